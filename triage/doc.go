// Package triage classifies the text of a tip: triage level (P1…P4), intake
// type, forms of exploitation, child, danger now, county, municipality,
// border crossing point and scope. See DESIGN.md ("Triage levels and
// routing") and GLOSSARY.md.
//
// The classifier is rule based and pure. Its vocabulary, place names and
// decision rules live in versioned YAML files under rules/ (embedded in the
// binary); the Go code is only the engine that reads them:
//
//   - rules/signals.yaml: named signals. A signal fires on a phrase of the
//     text, or on a combination of other signals (any/all/none, two signals
//     near each other, or a weighted score over a threshold).
//   - rules/places.yaml: the 61 municipalities and their spellings, towns,
//     border crossing points, the words that give a place name context, and
//     the weights used to choose among several places.
//   - rules/decisions.yaml: which signals set child, danger_now and the forms
//     of exploitation, and the ordered rules that choose level, intake and scope.
//
// Matching works on folded tokens (hotline.Fold: lower case, no diacritics;
// runs of letters or of digits). A phrase is a space-separated list of
// token patterns:
//
//	word       the token, folded ("më" matches "me" and "më")
//	word*      a token starting with word
//	a|b|c*     any of the alternatives
//	#          a number within the child age range (child_age in signals.yaml)
//	...        up to max_gap other tokens (signals.yaml)
//	!a|b       one token that is none of the alternatives (or the end of text)
package triage
