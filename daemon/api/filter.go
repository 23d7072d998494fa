package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/lxdng/lxd/shared/api"
)

// Filters implement LXD's ?filter= language: clauses "<field> eq|ne <value>"
// joined by "and"/"or", optionally negated with "not", with parentheses.
// Fields address the JSON form of the object with dots
// ("config.image.os", "status"); comparisons are case-insensitive for
// values as LXD does.

type filterNode interface {
	eval(obj map[string]any) bool
}

type clause struct {
	field, op, value string
}

type boolNode struct {
	op          string // "and" | "or"
	left, right filterNode
}

type notNode struct{ inner filterNode }

func (c clause) eval(obj map[string]any) bool {
	got, ok := lookupField(obj, c.field)
	eq := ok && strings.EqualFold(got, c.value)
	if c.op == "ne" {
		return !eq
	}
	return eq
}

func (b boolNode) eval(obj map[string]any) bool {
	if b.op == "and" {
		return b.left.eval(obj) && b.right.eval(obj)
	}
	return b.left.eval(obj) || b.right.eval(obj)
}

func (n notNode) eval(obj map[string]any) bool { return !n.inner.eval(obj) }

// lookupField walks dotted keys; config keys themselves contain dots, so at
// each level the longest matching key wins.
func lookupField(obj map[string]any, field string) (string, bool) {
	parts := strings.Split(field, ".")
	var cur any = obj
	for i := 0; i < len(parts); {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		found := false
		for j := len(parts); j > i; j-- {
			if v, ok := m[strings.Join(parts[i:j], ".")]; ok {
				cur, i, found = v, j, true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case nil:
		return "", true
	default:
		data, _ := json.Marshal(v)
		return string(data), true
	}
}

// parseFilter compiles a filter expression.
func parseFilter(expr string) (filterNode, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return n, nil
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'':
			end := strings.IndexRune(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			toks = append(toks, "\x00"+s[i+1:i+1+end]) // mark as literal
			i += end + 2
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && s[j] != '(' && s[j] != ')' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

type filterParser struct {
	toks []string
	pos  int
}

func (p *filterParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *filterParser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *filterParser) or() (filterNode, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(p.peek(), "or") {
		p.next()
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = boolNode{op: "or", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) and() (filterNode, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(p.peek(), "and") {
		p.next()
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		left = boolNode{op: "and", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) unary() (filterNode, error) {
	switch t := p.peek(); {
	case strings.EqualFold(t, "not"):
		p.next()
		inner, err := p.unary()
		return notNode{inner}, err
	case t == "(":
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return n, nil
	}
	field, op, value := p.next(), strings.ToLower(p.next()), p.next()
	if field == "" || value == "" || (op != "eq" && op != "ne") {
		return nil, fmt.Errorf("expected <field> eq|ne <value>")
	}
	return clause{field: strings.TrimPrefix(field, "\x00"), op: op, value: strings.TrimPrefix(value, "\x00")}, nil
}

// filterList keeps the items matching ?filter= (all when empty).
func filterList[T any](items []T, expr string) ([]T, error) {
	if strings.TrimSpace(expr) == "" {
		return items, nil
	}
	node, err := parseFilter(expr)
	if err != nil {
		return nil, api.BadRequest("Invalid filter: %v", err)
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		data, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		var obj map[string]any
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, err
		}
		if node.eval(obj) {
			out = append(out, it)
		}
	}
	return out, nil
}
