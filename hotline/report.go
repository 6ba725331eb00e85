package hotline

import (
	"strconv"
	"time"
)

// SmallCount is the largest count that reports never show as such: counts of
// 1 to SmallCount appear as "<5" so that nobody can be identified.
const SmallCount = 4

// Suppressed renders a count for a report: "0", "<5" for 1…4, else the number.
func Suppressed(n int64) string {
	if n > 0 && n <= SmallCount {
		return "<" + strconv.Itoa(SmallCount+1)
	}
	return strconv.FormatInt(n, 10)
}

// Quarter returns the calendar quarter containing t, [start, end), in UTC.
func Quarter(t time.Time) (start, end time.Time) {
	t = t.UTC()
	start = time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 3, 0)
}

// LastQuarter returns the last complete calendar quarter before t: the
// reports' default period.
func LastQuarter(t time.Time) (start, end time.Time) {
	s, _ := Quarter(t)
	return Quarter(s.AddDate(0, 0, -1))
}
