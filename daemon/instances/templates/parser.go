package templates

import (
	"fmt"
	"strconv"
	"strings"
)

// maxDepth bounds nesting of blocks and expressions so a hostile template
// cannot exhaust the stack.
const maxDepth = 100

// Template is a parsed template.
type Template struct {
	nodes []node
}

// Parse parses template source.
func Parse(src string) (*Template, error) {
	segs, err := split(src)
	if err != nil {
		return nil, err
	}
	p := &parser{segs: segs}
	nodes, end, err := p.nodes(0)
	if err != nil {
		return nil, err
	}
	if end != nil {
		return nil, fmt.Errorf("line %d: unexpected {%% %s %%}", end.line, end.name)
	}
	return &Template{nodes: nodes}, nil
}

type parser struct {
	segs []segment
	pos  int
}

// endTag is a block tag that closes the current body ({% else %}, ...).
type endTag struct {
	name string
	toks []token
	line int
}

// closers are the tags that end a body; the caller checks which it wants.
var closers = map[string]bool{
	"elif": true, "else": true, "endif": true, "empty": true, "endfor": true, "endautoescape": true,
}

// nodes parses until a closing tag (returned) or the end of input (nil).
func (p *parser) nodes(depth int) ([]node, *endTag, error) {
	if depth > maxDepth {
		return nil, nil, fmt.Errorf("blocks nested too deeply")
	}
	var out []node
	for p.pos < len(p.segs) {
		seg := p.segs[p.pos]
		p.pos++
		switch seg.kind {
		case segText:
			out = append(out, textNode(seg.text))
		case segVar:
			x, err := parseExprString(seg.text)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %w", seg.line, err)
			}
			out = append(out, outputNode{x: x})
		case segBlock:
			toks, err := tokenize(seg.text)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %w", seg.line, err)
			}
			if toks[0].kind != tokName {
				return nil, nil, fmt.Errorf("line %d: empty or invalid tag", seg.line)
			}
			name := toks[0].val
			if closers[name] {
				return out, &endTag{name: name, toks: toks[1:], line: seg.line}, nil
			}
			n, err := p.block(name, toks[1:], seg.line, depth)
			if err != nil {
				return nil, nil, err
			}
			if n != nil {
				out = append(out, n)
			}
		}
	}
	return out, nil, nil
}

func (p *parser) block(name string, toks []token, line, depth int) (node, error) {
	switch name {
	case "if":
		return p.ifBlock(toks, line, depth)
	case "for":
		return p.forBlock(toks, line, depth)
	case "autoescape":
		body, end, err := p.nodes(depth + 1)
		if err != nil {
			return nil, err
		}
		if end == nil || end.name != "endautoescape" {
			return nil, fmt.Errorf("line %d: missing {%% endautoescape %%}", line)
		}
		return listNode(body), nil
	case "comment":
		return nil, p.skipComment(line)
	}
	return nil, fmt.Errorf("line %d: unsupported tag %q", line, name)
}

func (p *parser) skipComment(line int) error {
	for p.pos < len(p.segs) {
		seg := p.segs[p.pos]
		p.pos++
		if seg.kind == segBlock && strings.TrimSpace(seg.text) == "endcomment" {
			return nil
		}
	}
	return fmt.Errorf("line %d: missing {%% endcomment %%}", line)
}

func (p *parser) ifBlock(toks []token, line, depth int) (node, error) {
	var n ifNode
	cond := toks
	for {
		x, err := parseExprTokens(cond)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		body, end, err := p.nodes(depth + 1)
		if err != nil {
			return nil, err
		}
		n.branches = append(n.branches, branch{cond: x, body: body})
		if end == nil {
			return nil, fmt.Errorf("line %d: missing {%% endif %%}", line)
		}
		switch end.name {
		case "elif":
			cond, line = end.toks, end.line
			continue
		case "else":
			body, end2, err := p.nodes(depth + 1)
			if err != nil {
				return nil, err
			}
			if end2 == nil || end2.name != "endif" {
				return nil, fmt.Errorf("line %d: missing {%% endif %%}", end.line)
			}
			n.otherwise = body
			return n, nil
		case "endif":
			return n, nil
		}
		return nil, fmt.Errorf("line %d: unexpected {%% %s %%} in if", end.line, end.name)
	}
}

func (p *parser) forBlock(toks []token, line, depth int) (node, error) {
	var n forNode
	i := 0
	for ; i < len(toks) && toks[i].kind == tokName && toks[i].val != "in"; i++ {
		n.vars = append(n.vars, toks[i].val)
		if i+1 < len(toks) && toks[i+1].val == "," {
			i++
		}
	}
	if len(n.vars) == 0 || len(n.vars) > 2 || i >= len(toks) || toks[i].val != "in" {
		return nil, fmt.Errorf("line %d: expected {%% for x in seq %%} or {%% for k, v in map %%}", line)
	}
	seq, err := parseExprTokens(toks[i+1:])
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", line, err)
	}
	n.seq = seq
	body, end, err := p.nodes(depth + 1)
	if err != nil {
		return nil, err
	}
	if end != nil && (end.name == "empty" || end.name == "else") {
		n.body = body
		body, end, err = p.nodes(depth + 1)
		if err != nil {
			return nil, err
		}
		n.empty = body
	} else {
		n.body = body
	}
	if end == nil || end.name != "endfor" {
		return nil, fmt.Errorf("line %d: missing {%% endfor %%}", line)
	}
	return n, nil
}

// exprParser is a recursive-descent parser over one tag's tokens.
// Precedence, lowest first: or, and, not, comparison/in, + -, * / %,
// unary -, filters, postfix lookups and calls.
type exprParser struct {
	toks  []token
	pos   int
	depth int
}

func parseExprString(s string) (expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	return parseExprTokens(toks)
}

func parseExprTokens(toks []token) (expr, error) {
	if len(toks) == 0 || toks[len(toks)-1].kind != tokEOF {
		toks = append(toks, token{kind: tokEOF})
	}
	p := &exprParser{toks: toks}
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %q", t.val)
	}
	return x, nil
}

func (p *exprParser) peek() token { return p.toks[p.pos] }

func (p *exprParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// accept consumes the next token if it is one of vals (ops or keywords).
func (p *exprParser) accept(vals ...string) (string, bool) {
	t := p.peek()
	if (t.kind == tokOp || t.kind == tokName) && contains(vals, t.val) {
		p.pos++
		return t.val, true
	}
	return "", false
}

func (p *exprParser) expect(val string) error {
	if _, ok := p.accept(val); !ok {
		return fmt.Errorf("expected %q, found %q", val, p.peek().val)
	}
	return nil
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return fmt.Errorf("expression nested too deeply")
	}
	return nil
}

func (p *exprParser) or() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.binaryLevel(p.and, "or", "||")
}

func (p *exprParser) and() (expr, error) { return p.binaryLevel(p.not, "and", "&&") }

// binaryLevel parses left-associative operators of one precedence level.
func (p *exprParser) binaryLevel(sub func() (expr, error), ops ...string) (expr, error) {
	x, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.accept(ops...)
		if !ok {
			return x, nil
		}
		y, err := sub()
		if err != nil {
			return nil, err
		}
		x = binaryExpr{op: canonicalOp(op), l: x, r: y}
	}
}

func canonicalOp(op string) string {
	switch op {
	case "||":
		return "or"
	case "&&":
		return "and"
	}
	return op
}

func (p *exprParser) not() (expr, error) {
	if _, ok := p.accept("not", "!"); ok {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return unaryExpr{op: "not", x: x}, nil
	}
	return p.comparison()
}

func (p *exprParser) comparison() (expr, error) {
	x, err := p.additive()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.accept("==", "!=", "<", "<=", ">", ">=", "in", "not")
		if !ok {
			return x, nil
		}
		if op == "not" {
			if err := p.expect("in"); err != nil {
				return nil, err
			}
			op = "not in"
		}
		y, err := p.additive()
		if err != nil {
			return nil, err
		}
		x = binaryExpr{op: op, l: x, r: y}
	}
}

func (p *exprParser) additive() (expr, error)       { return p.binaryLevel(p.multiplicative, "+", "-") }
func (p *exprParser) multiplicative() (expr, error) { return p.binaryLevel(p.unary, "*", "/", "%") }

func (p *exprParser) unary() (expr, error) {
	if op, ok := p.accept("-", "+"); ok {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return unaryExpr{op: op, x: x}, nil
	}
	return p.filtered()
}

func (p *exprParser) filtered() (expr, error) {
	x, err := p.postfix()
	if err != nil {
		return nil, err
	}
	for {
		if _, ok := p.accept("|"); !ok {
			return x, nil
		}
		t := p.next()
		if t.kind != tokName {
			return nil, fmt.Errorf("expected a filter name after |")
		}
		if _, known := filters[t.val]; !known {
			return nil, fmt.Errorf("unknown filter %q", t.val)
		}
		f := filterExpr{x: x, name: t.val}
		if _, ok := p.accept(":"); ok {
			if f.arg, err = p.postfix(); err != nil {
				return nil, err
			}
		}
		x = f
	}
}

func (p *exprParser) postfix() (expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.peek().val == "." && p.peek().kind == tokOp:
			p.next()
			t := p.next()
			if t.kind != tokName && t.kind != tokNumber {
				return nil, fmt.Errorf("expected an attribute name after '.'")
			}
			x = attrExpr{x: x, name: t.val}
		case p.peek().val == "[" && p.peek().kind == tokOp:
			p.next()
			idx, err := p.or()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			x = indexExpr{x: x, idx: idx}
		default:
			return x, nil
		}
	}
}

func (p *exprParser) primary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return literal{v: t.val}, nil
	case tokNumber:
		if i, err := strconv.ParseInt(t.val, 10, 64); err == nil {
			return literal{v: i}, nil
		}
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %q", t.val)
		}
		return literal{v: f}, nil
	case tokName:
		return p.name(t.val)
	case tokOp:
		if t.val == "(" {
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			return x, p.expect(")")
		}
	}
	if t.kind == tokEOF {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	return nil, fmt.Errorf("unexpected %q", t.val)
}

func (p *exprParser) name(n string) (expr, error) {
	switch n {
	case "true", "True":
		return literal{v: true}, nil
	case "false", "False":
		return literal{v: false}, nil
	case "none", "None", "nil":
		return literal{v: nil}, nil
	}
	if p.peek().kind != tokOp || p.peek().val != "(" {
		return nameExpr(n), nil
	}
	p.next()
	if _, ok := functions[n]; !ok {
		return nil, fmt.Errorf("unknown function %q", n)
	}
	c := callExpr{fn: n}
	if _, ok := p.accept(")"); ok {
		return c, nil
	}
	for {
		arg, err := p.or()
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, arg)
		if _, ok := p.accept(")"); ok {
			return c, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}
