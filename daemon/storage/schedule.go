package storage

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed snapshots.schedule: 5-field cron expressions and
// LXD's aliases, matched minute by minute.
type Schedule struct {
	crons   []cron
	startup bool
}

type cron struct {
	minute, hour, dom, month, dow uint64 // bit sets
	domAny, dowAny                bool
}

var scheduleAliases = map[string]string{
	"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
	"@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@annually": "0 0 1 1 *", "@yearly": "0 0 1 1 *",
}

// ParseSchedule parses a 5-field cron expression or a comma-separated list
// of aliases (@hourly, @daily, @midnight, @weekly, @monthly, @annually,
// @yearly, @startup, @never). The empty string never matches.
func ParseSchedule(expr string) (Schedule, error) {
	var s Schedule
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return s, nil
	}
	if !strings.HasPrefix(expr, "@") {
		c, err := parseCron(expr)
		if err != nil {
			return s, err
		}
		s.crons = append(s.crons, c)
		return s, nil
	}
	for _, alias := range strings.Split(expr, ",") {
		alias = strings.TrimSpace(alias)
		switch alias {
		case "@startup":
			s.startup = true
		case "@never":
		default:
			spec, ok := scheduleAliases[alias]
			if !ok {
				return s, fmt.Errorf("Unknown schedule alias %q", alias)
			}
			c, _ := parseCron(spec)
			s.crons = append(s.crons, c)
		}
	}
	return s, nil
}

// Startup reports whether the schedule asks for a snapshot at start.
func (s Schedule) Startup() bool { return s.startup }

// Matches reports whether the minute of t is scheduled.
func (s Schedule) Matches(t time.Time) bool {
	for _, c := range s.crons {
		if c.matches(t) {
			return true
		}
	}
	return false
}

func (c cron) matches(t time.Time) bool {
	if c.minute&(1<<uint(t.Minute())) == 0 || c.hour&(1<<uint(t.Hour())) == 0 || c.month&(1<<uint(t.Month())) == 0 {
		return false
	}
	dom := c.dom&(1<<uint(t.Day())) != 0
	dow := c.dow&(1<<uint(t.Weekday())) != 0
	// Standard cron: when both day fields are restricted, either matches.
	if !c.domAny && !c.dowAny {
		return dom || dow
	}
	return dom && dow
}

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
var dowNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func parseCron(expr string) (cron, error) {
	var c cron
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return c, fmt.Errorf("Schedule must be of the form: <minute> <hour> <day-of-month> <month> <day-of-week>")
	}
	specs := []struct {
		dst      *uint64
		min, max int
		names    []string
		nameBase int
	}{
		{&c.minute, 0, 59, nil, 0}, {&c.hour, 0, 23, nil, 0}, {&c.dom, 1, 31, nil, 0},
		{&c.month, 1, 12, monthNames, 1}, {&c.dow, 0, 7, dowNames, 0},
	}
	for i, sp := range specs {
		bits, err := parseCronField(fields[i], sp.min, sp.max, sp.names, sp.nameBase)
		if err != nil {
			return c, fmt.Errorf("Invalid schedule field %q: %w", fields[i], err)
		}
		*sp.dst = bits
	}
	if c.dow&(1<<7) != 0 { // 7 is Sunday too
		c.dow |= 1
	}
	c.domAny, c.dowAny = fields[2] == "*", fields[4] == "*"
	return c, nil
}

// parseCronField parses "*", "N", "a-b", "*/n", "a-b/n" and lists of them.
func parseCronField(f string, min, max int, names []string, nameBase int) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(f, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad step %q", stepStr)
			}
			step = n
		}
		lo, hi := min, max
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = cronValue(a, min, max, names, nameBase); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = cronValue(b, min, max, names, nameBase); err != nil {
					return 0, err
				}
			} else if hasStep {
				hi = max
			}
		}
		if lo > hi {
			return 0, fmt.Errorf("bad range %q", rng)
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

func cronValue(s string, min, max int, names []string, nameBase int) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i + nameBase, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < min || v > max {
		return 0, fmt.Errorf("value %q out of range %d-%d", s, min, max)
	}
	return v, nil
}

var creationDateRe = regexp.MustCompile(`{{\s*creation_date\s*\|\s*date:\s*["']([^"']*)["']\s*}}`)

// nextSnapshotName renders a snapshots.pattern: the creation_date date
// filter of LXD's templates is expanded, and "%d" becomes one more than
// the highest index already used (a pattern without %d gets "-%d" when
// its name is taken).
func nextSnapshotName(pattern string, now time.Time, taken map[string]bool) string {
	name := creationDateRe.ReplaceAllStringFunc(pattern, func(m string) string {
		return now.Format(creationDateRe.FindStringSubmatch(m)[1])
	})
	if !strings.Contains(name, "%d") {
		if !taken[name] {
			return name
		}
		name += "-%d"
	}
	prefix, suffix, _ := strings.Cut(name, "%d")
	next := 0
	for t := range taken {
		if !strings.HasPrefix(t, prefix) || !strings.HasSuffix(t, suffix) || len(t) < len(prefix)+len(suffix) {
			continue
		}
		if n, err := strconv.Atoi(t[len(prefix) : len(t)-len(suffix)]); err == nil && n >= next {
			next = n + 1
		}
	}
	return prefix + strconv.Itoa(next) + suffix
}
