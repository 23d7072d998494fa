package templates

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Execution limits: a template comes from an untrusted image and may loop
// over user-controlled config; these keep rendering cheap.
const (
	maxSteps  = 2_000_000
	maxOutput = 16 << 20
)

var errLimit = errors.New("template exceeds execution limits")

// state is one execution: the output, the variable scopes and the budget.
type state struct {
	ctx    context.Context
	out    strings.Builder
	scopes []map[string]any
	funcs  map[string]func(args []any) (any, error)
	steps  int
}

func (s *state) step() error {
	s.steps++
	if s.steps > maxSteps || s.out.Len() > maxOutput {
		return errLimit
	}
	if s.steps%4096 == 0 {
		return s.ctx.Err()
	}
	return nil
}

func (s *state) lookup(name string) any {
	for i := len(s.scopes) - 1; i >= 0; i-- {
		if v, ok := s.scopes[i][name]; ok {
			return v
		}
	}
	return nil
}

// Execute renders t with vars (values: string, bool, int64, float64, nil,
// []any, []string and maps with string keys) and the functions of funcs.
func (t *Template) Execute(ctx context.Context, vars map[string]any, funcs map[string]func(args []any) (any, error)) (string, error) {
	s := &state{ctx: ctx, scopes: []map[string]any{vars}, funcs: funcs}
	if err := execNodes(s, t.nodes); err != nil {
		return "", err
	}
	return s.out.String(), nil
}

type node interface{ exec(s *state) error }

func execNodes(s *state, nodes []node) error {
	for _, n := range nodes {
		if err := s.step(); err != nil {
			return err
		}
		if err := n.exec(s); err != nil {
			return err
		}
	}
	return nil
}

type textNode string

func (n textNode) exec(s *state) error { s.out.WriteString(string(n)); return nil }

type listNode []node

func (n listNode) exec(s *state) error { return execNodes(s, n) }

type outputNode struct{ x expr }

func (n outputNode) exec(s *state) error {
	v, err := n.x.eval(s)
	if err != nil {
		return err
	}
	s.out.WriteString(toString(v))
	return nil
}

type branch struct {
	cond expr
	body []node
}

type ifNode struct {
	branches  []branch
	otherwise []node
}

func (n ifNode) exec(s *state) error {
	for _, b := range n.branches {
		v, err := b.cond.eval(s)
		if err != nil {
			return err
		}
		if truthy(v) {
			return execNodes(s, b.body)
		}
	}
	return execNodes(s, n.otherwise)
}

type forNode struct {
	vars  []string
	seq   expr
	body  []node
	empty []node
}

func (n forNode) exec(s *state) error {
	v, err := n.seq.eval(s)
	if err != nil {
		return err
	}
	keys, vals := iterate(v)
	if len(keys) == 0 {
		return execNodes(s, n.empty)
	}
	scope := map[string]any{}
	s.scopes = append(s.scopes, scope)
	defer func() { s.scopes = s.scopes[:len(s.scopes)-1] }()
	for i := range keys {
		if len(n.vars) == 1 {
			scope[n.vars[0]] = keys[i]
		} else {
			scope[n.vars[0]], scope[n.vars[1]] = keys[i], vals[i]
		}
		scope["forloop"] = map[string]any{
			"Counter": int64(i + 1), "Counter0": int64(i), "Revcounter": int64(len(keys) - i),
			"Revcounter0": int64(len(keys) - i - 1), "First": i == 0, "Last": i == len(keys)-1,
		}
		if err := execNodes(s, n.body); err != nil {
			return err
		}
	}
	return nil
}

// iterate lists what a for loop walks: list items (keys) with their index
// (vals), map keys in sorted order with their values, string characters.
func iterate(v any) ([]any, []any) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		var keys, vals []any
		for i, r := range []rune(x) {
			keys, vals = append(keys, string(r)), append(vals, int64(i))
		}
		return keys, vals
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		keys, vals := make([]any, rv.Len()), make([]any, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			keys[i], vals[i] = rv.Index(i).Interface(), int64(i)
		}
		return keys, vals
	case reflect.Map:
		names := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			names = append(names, fmt.Sprint(k.Interface()))
		}
		sort.Strings(names)
		keys, vals := make([]any, len(names)), make([]any, len(names))
		for i, k := range names {
			keys[i], vals[i] = k, mapGet(v, k)
		}
		return keys, vals
	}
	return nil, nil
}

type expr interface{ eval(s *state) (any, error) }

type literal struct{ v any }

func (l literal) eval(*state) (any, error) { return l.v, nil }

type nameExpr string

func (n nameExpr) eval(s *state) (any, error) { return s.lookup(string(n)), nil }

type attrExpr struct {
	x    expr
	name string
}

func (a attrExpr) eval(s *state) (any, error) {
	v, err := a.x.eval(s)
	if err != nil {
		return nil, err
	}
	if i, err := strconv.Atoi(a.name); err == nil {
		return indexValue(v, int64(i)), nil
	}
	return mapGet(v, a.name), nil
}

type indexExpr struct{ x, idx expr }

func (e indexExpr) eval(s *state) (any, error) {
	v, err := e.x.eval(s)
	if err != nil {
		return nil, err
	}
	idx, err := e.idx.eval(s)
	if err != nil {
		return nil, err
	}
	if i, ok := idx.(int64); ok {
		return indexValue(v, i), nil
	}
	return mapGet(v, toString(idx)), nil
}

// mapGet reads key from any map with string keys; anything else gives nil.
func mapGet(v any, key string) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil
	}
	got := rv.MapIndex(reflect.ValueOf(key).Convert(rv.Type().Key()))
	if !got.IsValid() {
		return nil
	}
	return got.Interface()
}

func indexValue(v any, i int64) any {
	if s, ok := v.(string); ok {
		r := []rune(s)
		if i >= 0 && i < int64(len(r)) {
			return string(r[i])
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && i >= 0 && i < int64(rv.Len()) {
		return rv.Index(int(i)).Interface()
	}
	return nil
}

type callExpr struct {
	fn   string
	args []expr
}

func (c callExpr) eval(s *state) (any, error) {
	f, ok := s.funcs[c.fn]
	if !ok {
		return nil, fmt.Errorf("function %q is not available", c.fn)
	}
	args := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(s)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return f(args)
}

type unaryExpr struct {
	op string
	x  expr
}

func (u unaryExpr) eval(s *state) (any, error) {
	v, err := u.x.eval(s)
	if err != nil {
		return nil, err
	}
	switch u.op {
	case "not":
		return !truthy(v), nil
	case "-":
		return arith("-", int64(0), v)
	}
	return arith("+", int64(0), v)
}

type binaryExpr struct {
	op   string
	l, r expr
}

func (b binaryExpr) eval(s *state) (any, error) {
	l, err := b.l.eval(s)
	if err != nil {
		return nil, err
	}
	switch b.op {
	case "and":
		if !truthy(l) {
			return false, nil
		}
	case "or":
		if truthy(l) {
			return true, nil
		}
	}
	r, err := b.r.eval(s)
	if err != nil {
		return nil, err
	}
	switch b.op {
	case "and", "or":
		return truthy(r), nil
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in":
		return contain(r, l), nil
	case "not in":
		return !contain(r, l), nil
	case "<", "<=", ">", ">=":
		return compare(b.op, l, r)
	}
	return arith(b.op, l, r)
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		return rv.Len() > 0
	}
	return true
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

func equal(a, b any) bool {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return x == y
		}
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(a, b)
}

func contain(container, item any) bool {
	if s, ok := container.(string); ok {
		sub, ok := item.(string)
		return ok && strings.Contains(s, sub)
	}
	rv := reflect.ValueOf(container)
	switch rv.Kind() {
	case reflect.Map:
		return hasKey(rv, toString(item))
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			if equal(rv.Index(i).Interface(), item) {
				return true
			}
		}
	}
	return false
}

func hasKey(rv reflect.Value, key string) bool {
	if rv.Type().Key().Kind() != reflect.String {
		return false
	}
	return rv.MapIndex(reflect.ValueOf(key).Convert(rv.Type().Key())).IsValid()
}

func compare(op string, a, b any) (any, error) {
	var c int
	x, xok := number(a)
	y, yok := number(b)
	sa, saok := a.(string)
	sb, sbok := b.(string)
	switch {
	case xok && yok:
		c = cmpFloat(x, y)
	case saok && sbok:
		c = strings.Compare(sa, sb)
	default:
		return nil, fmt.Errorf("cannot compare %T and %T", a, b)
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func arith(op string, a, b any) (any, error) {
	if op == "+" {
		if sa, ok := a.(string); ok {
			if sb, ok := b.(string); ok {
				return sa + sb, nil
			}
		}
	}
	ia, aInt := a.(int64)
	ib, bInt := b.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			return ia + ib, nil
		case "-":
			return ia - ib, nil
		case "*":
			return ia * ib, nil
		case "/", "%":
			if ib == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			if op == "/" {
				return ia / ib, nil
			}
			return ia % ib, nil
		}
	}
	x, xok := number(a)
	y, yok := number(b)
	if !xok || !yok {
		return nil, fmt.Errorf("cannot apply %q to %T and %T", op, a, b)
	}
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	case "/":
		if y == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return x / y, nil
	}
	if y == 0 {
		return nil, fmt.Errorf("division by zero")
	}
	return math.Mod(x, y), nil
}

// toString renders a value the way pongo2 prints it.
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
