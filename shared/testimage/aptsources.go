package testimage

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// AptSourcesDir is where apt keeps the machine's package sources.
const AptSourcesDir = "/etc/apt"

// aptSource is one "deb" entry of the apt configuration.
type aptSource struct {
	URI    string
	Suites []string
}

// AptMirror returns the Debian mirror this machine's apt uses for release:
// the URI of the first "deb" source carrying that suite, else of the first
// one carrying a plain release suite (not -security or -updates), so the
// image comes from where the host's own packages come from.
func AptMirror(etcApt, release string) (string, error) {
	sources, err := readAptSources(etcApt)
	if err != nil {
		return "", err
	}
	for _, s := range sources {
		for _, suite := range s.Suites {
			if suite == release {
				return s.URI, nil
			}
		}
	}
	for _, s := range sources {
		for _, suite := range s.Suites {
			if !strings.Contains(suite, "-") && !strings.Contains(s.URI, "security") {
				return s.URI, nil
			}
		}
	}
	return "", fmt.Errorf("No Debian package source found in %s/sources.list(.d)", etcApt)
}

func readAptSources(etcApt string) ([]aptSource, error) {
	var out []aptSource
	files := []string{filepath.Join(etcApt, "sources.list")}
	more, _ := filepath.Glob(filepath.Join(etcApt, "sources.list.d", "*"))
	files = append(files, more...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		switch {
		case strings.HasSuffix(f, ".list") || filepath.Base(f) == "sources.list":
			out = append(out, parseOneLineSources(string(data))...)
		case strings.HasSuffix(f, ".sources"):
			out = append(out, parseDeb822Sources(string(data))...)
		}
	}
	return out, nil
}

// parseOneLineSources reads "deb [options] uri suite [component...]" lines.
func parseOneLineSources(text string) []aptSource {
	var out []aptSource
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[0] != "deb" {
			continue
		}
		fields = fields[1:]
		if strings.HasPrefix(fields[0], "[") {
			for len(fields) > 0 && !strings.HasSuffix(fields[0], "]") {
				fields = fields[1:]
			}
			if len(fields) > 0 {
				fields = fields[1:]
			}
		}
		if len(fields) >= 2 {
			out = append(out, aptSource{URI: fields[0], Suites: []string{fields[1]}})
		}
	}
	return out
}

// parseDeb822Sources reads stanzas of Types/URIs/Suites fields, skipping
// those with "Enabled: no".
func parseDeb822Sources(text string) []aptSource {
	var out []aptSource
	for _, stanza := range strings.Split(text, "\n\n") {
		fields := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if ok && !strings.HasPrefix(line, " ") {
				fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		if !hasWord(fields["types"], "deb") || strings.EqualFold(fields["enabled"], "no") {
			continue
		}
		uris := strings.Fields(fields["uris"])
		if len(uris) == 0 {
			continue
		}
		out = append(out, aptSource{URI: uris[0], Suites: strings.Fields(fields["suites"])})
	}
	return out
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}
