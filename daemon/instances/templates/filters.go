package templates

import (
	"fmt"
	"html"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// functions are the callable names templates may use; their
// implementations come per execution (config_get reads the instance).
var functions = map[string]bool{"config_get": true}

type filterFunc func(v, arg any) (any, error)

// filters are the pongo2 filters images use, plus a few harmless ones.
var filters = map[string]filterFunc{
	"default": func(v, arg any) (any, error) {
		if !truthy(v) {
			return arg, nil
		}
		return v, nil
	},
	"default_if_none": func(v, arg any) (any, error) {
		if v == nil {
			return arg, nil
		}
		return v, nil
	},
	"lower":    stringFilter(strings.ToLower),
	"upper":    stringFilter(strings.ToUpper),
	"trim":     stringFilter(strings.TrimSpace),
	"capfirst": stringFilter(capFirst),
	"title":    stringFilter(title),
	"escape":   stringFilter(html.EscapeString),
	"safe":     func(v, _ any) (any, error) { return v, nil },
	"length":   func(v, _ any) (any, error) { return length(v), nil },
	"join": func(v, arg any) (any, error) {
		if _, isString := v.(string); isString {
			return v, nil
		}
		keys, _ := iterate(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = toString(k)
		}
		return strings.Join(parts, toString(arg)), nil
	},
	"first": func(v, _ any) (any, error) { return indexValue(v, 0), nil },
	"last": func(v, _ any) (any, error) {
		n := length(v)
		if n == 0 {
			return nil, nil
		}
		return indexValue(v, n-1), nil
	},
}

type filterExpr struct {
	x    expr
	name string
	arg  expr
}

func (f filterExpr) eval(s *state) (any, error) {
	v, err := f.x.eval(s)
	if err != nil {
		return nil, err
	}
	var arg any
	if f.arg != nil {
		if arg, err = f.arg.eval(s); err != nil {
			return nil, err
		}
	}
	out, err := filters[f.name](v, arg)
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", f.name, err)
	}
	return out, nil
}

func stringFilter(fn func(string) string) filterFunc {
	return func(v, _ any) (any, error) { return fn(toString(v)), nil }
}

func capFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func title(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = capFirst(strings.ToLower(w))
	}
	return strings.Join(words, " ")
}

func length(v any) int64 {
	if s, ok := v.(string); ok {
		return int64(utf8.RuneCountInString(s))
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		return int64(rv.Len())
	}
	return 0
}
