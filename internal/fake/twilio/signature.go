package faketwilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"sort"
)

// SignatureHeader is the header Twilio signs its webhook requests with.
const SignatureHeader = "X-Twilio-Signature"

// Signature computes Twilio's X-Twilio-Signature for a POST of params to url:
// base64(HMAC-SHA1(authToken, url + name1 + value1 + name2 + value2 …)) with
// the parameters sorted by name (several values of one name sorted too), as
// twilio-go's RequestValidator.Validate checks it.
func Signature(authToken, url string, params url.Values) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	data := url
	for _, k := range names {
		values := slices.Clone(params[k])
		sort.Strings(values)
		for _, v := range values {
			data += k + v
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sign returns the signature of a POST of params to url with this server's auth token.
func (s *Server) Sign(url string, params url.Values) string {
	return Signature(s.authToken, url, params)
}
