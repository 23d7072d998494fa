package units

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidExpiry is LXD's message for a bad snapshots.expiry value.
var ErrInvalidExpiry = errors.New("Invalid expiry expression")

var expiryToken = regexp.MustCompile(`^([0-9]+)(M|H|d|w|m|y)$`)

// AddExpiry adds a snapshot expiry expression to from: space-separated
// "<n><unit>" tokens, M minutes, H hours, d days, w weeks, m months,
// y years ("1M 2H 3d 4w 5m 6y"). Days and longer follow the calendar.
// An empty expression is an error: callers treat "" as "never".
func AddExpiry(expr string, from time.Time) (time.Time, error) {
	tokens := strings.Fields(expr)
	if len(tokens) == 0 {
		return time.Time{}, ErrInvalidExpiry
	}
	t := from
	for _, tok := range tokens {
		m := expiryToken.FindStringSubmatch(tok)
		if m == nil {
			return time.Time{}, ErrInvalidExpiry
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return time.Time{}, ErrInvalidExpiry
		}
		t = addExpiryUnit(t, n, m[2])
	}
	return t, nil
}

func addExpiryUnit(t time.Time, n int, unit string) time.Time {
	switch unit {
	case "M":
		return t.Add(time.Duration(n) * time.Minute)
	case "H":
		return t.Add(time.Duration(n) * time.Hour)
	case "d":
		return t.AddDate(0, 0, n)
	case "w":
		return t.AddDate(0, 0, 7*n)
	case "m":
		return t.AddDate(0, n, 0)
	default: // "y"
		return t.AddDate(n, 0, 0)
	}
}

// IsExpiry validates a snapshot expiry expression (see AddExpiry).
func IsExpiry(expr string) error {
	_, err := AddExpiry(expr, time.Time{})
	return err
}
