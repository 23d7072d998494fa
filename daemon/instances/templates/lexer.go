package templates

import (
	"fmt"
	"strings"
	"unicode"
)

// segKind is the kind of a top-level piece of template source.
type segKind int

const (
	segText  segKind = iota
	segVar           // {{ ... }}
	segBlock         // {% ... %}
)

type segment struct {
	kind segKind
	text string // raw text, or the tag's inside without delimiters
	line int
}

// split cuts src into text and tag segments, applying "-" whitespace
// control: "{{-"/"{%-"/"{#-" trim the whitespace before the tag, "-}}",
// "-%}", "-#}" the whitespace after it.
func split(src string) ([]segment, error) {
	var segs []segment
	trimNext := false
	line := 1
	for len(src) > 0 {
		open := nextOpen(src)
		text := src
		if open >= 0 {
			text = src[:open]
		}
		if trimNext {
			text = strings.TrimLeftFunc(text, unicode.IsSpace)
			trimNext = false
		}
		if open < 0 {
			segs = appendText(segs, text, line)
			break
		}
		delim := src[open : open+2]
		body := src[open+2:]
		if strings.HasPrefix(body, "-") {
			text = strings.TrimRightFunc(text, unicode.IsSpace)
			body = body[1:]
		}
		segs = appendText(segs, text, line)
		line += strings.Count(src[:open], "\n")
		end, err := closeIndex(body, delim)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		inner := body[:end]
		if strings.HasSuffix(inner, "-") {
			inner = inner[:len(inner)-1]
			trimNext = true
		}
		switch delim {
		case "{{":
			segs = append(segs, segment{kind: segVar, text: inner, line: line})
		case "{%":
			segs = append(segs, segment{kind: segBlock, text: inner, line: line})
		}
		consumed := len(src) - len(body) + end + 2
		line += strings.Count(src[open:consumed], "\n")
		src = src[consumed:]
	}
	return segs, nil
}

func appendText(segs []segment, text string, line int) []segment {
	if text == "" {
		return segs
	}
	return append(segs, segment{kind: segText, text: text, line: line})
}

// nextOpen finds the next "{{", "{%" or "{#".
func nextOpen(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && (s[i+1] == '{' || s[i+1] == '%' || s[i+1] == '#') {
			return i
		}
	}
	return -1
}

// closeIndex finds the closing delimiter of a tag, skipping quoted strings
// inside {{ }} and {% %} so `{{ "}}" }}` works.
func closeIndex(body, open string) (int, error) {
	closer := map[string]string{"{{": "}}", "{%": "%}", "{#": "#}"}[open]
	var quote byte
	for i := 0; i+1 < len(body); i++ {
		c := body[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case open != "{#" && (c == '"' || c == '\''):
			quote = c
		case body[i:i+2] == closer:
			return i, nil
		}
	}
	return 0, fmt.Errorf("unclosed %q tag", open)
}

// tokKind is the kind of a token inside a tag.
type tokKind int

const (
	tokEOF tokKind = iota
	tokName
	tokString
	tokNumber
	tokOp
)

type token struct {
	kind tokKind
	val  string
}

// twoCharOps are matched before single characters.
var twoCharOps = []string{"==", "!=", "<=", ">=", "&&", "||"}

const oneCharOps = "()[],.|:+-*/%<>=!"

// tokenize splits a tag's inside into tokens.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			str, n, err := readString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, val: str})
			i += n
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
				j++
			}
			toks = append(toks, token{kind: tokNumber, val: s[i:j]})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			toks = append(toks, token{kind: tokName, val: s[i:j]})
			i = j
		default:
			if i+1 < len(s) && contains(twoCharOps, s[i:i+2]) {
				toks = append(toks, token{kind: tokOp, val: s[i : i+2]})
				i += 2
				continue
			}
			if strings.IndexByte(oneCharOps, c) < 0 {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			toks = append(toks, token{kind: tokOp, val: string(c)})
			i++
		}
	}
	return append(toks, token{kind: tokEOF}), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readString reads a quoted literal with \" \' \\ \n \t escapes and
// returns its value and length in s.
func readString(s string) (string, int, error) {
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == quote {
			return b.String(), i + 1, nil
		}
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(c)
	}
	return "", 0, fmt.Errorf("unterminated string")
}
