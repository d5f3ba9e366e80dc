package components

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/valyala/fastjson"
)

// JSONStyles colour the parts of a JSON document.
type JSONStyles struct {
	Key, String, Number, Literal, Punct, Hint lipgloss.Style
}

// JSONOptions tune JSONLines.
type JSONOptions struct {
	Indent string // per level; two spaces when empty
	// Fold lists top-level members drawn on one line as {…} or […],
	// followed by FoldHint.
	Fold     map[string]bool
	FoldHint string
	// Text makes decoded text (keys and strings) safe to draw, such as
	// render.Terminal; it runs after JSON's own quote and backslash escapes.
	Text func(string) string
}

// JSONLines pretty-prints a JSON document as coloured lines, keeping the
// members in document order. Strings are shown quoted, with " and \ escaped
// and whatever opts.Text does to the rest (control characters become
// visible escapes with render.Terminal).
func JSONLines(doc []byte, st JSONStyles, opts JSONOptions) ([]string, error) {
	lines, _, err := JSONLeafLines(doc, st, opts)
	return lines, err
}

// JSONKind is the JSON type of a leaf value.
type JSONKind uint8

// The kinds of leaf a JSONLeaf holds.
const (
	JSONNone   JSONKind = iota // the line shows no leaf (a brace, a bracket, a folded member)
	JSONString                 // Value is the decoded string
	JSONNumber                 // Value is the number as written
	JSONTrue
	JSONFalse
	JSONNull
)

// JSONLeaf says which leaf value a line of JSONLeafLines shows, so a
// viewer can act on the line (filter for the value). Path is the dotted
// member path with array indexes left out, the way the field catalog and
// filters name the elements of arrays; Value is the undecorated value
// (never sanitized: it is for filters, not for drawing).
type JSONLeaf struct {
	Kind  JSONKind
	Path  string
	Value string
}

// JSONLeafLines is JSONLines plus, for each line, the leaf it shows
// (Kind JSONNone for the others).
func JSONLeafLines(doc []byte, st JSONStyles, opts JSONOptions) ([]string, []JSONLeaf, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(doc)
	if err != nil {
		return nil, nil, err
	}
	if opts.Indent == "" {
		opts.Indent = "  "
	}
	if opts.Text == nil {
		opts.Text = func(s string) string { return s }
	}
	w := &jsonWriter{st: st, o: opts}
	w.value(v, 0, "", "", "")
	return w.lines, w.leaves, nil
}

type jsonWriter struct {
	st     JSONStyles
	o      JSONOptions
	lines  []string
	leaves []JSONLeaf // one per line
}

func (w *jsonWriter) add(line string, leaf JSONLeaf) {
	w.lines = append(w.lines, line)
	w.leaves = append(w.leaves, leaf)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (w *jsonWriter) quote(s string) string {
	if strings.ContainsAny(s, `"\`) {
		s = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
	}
	return `"` + w.o.Text(s) + `"`
}

func (w *jsonWriter) indent(depth int) string { return strings.Repeat(w.o.Indent, depth) }

// value writes v at depth; prefix is the rendered `"key": ` (or ""), tail
// is "," for all but the last member, path is v's dotted path.
func (w *jsonWriter) value(v *fastjson.Value, depth int, prefix, tail, path string) {
	ind := w.indent(depth)
	comma := ""
	if tail != "" {
		comma = w.st.Punct.Render(tail)
	}
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		if o.Len() == 0 {
			w.add(ind+prefix+w.st.Punct.Render("{}")+comma, JSONLeaf{})
			return
		}
		w.add(ind+prefix+w.st.Punct.Render("{"), JSONLeaf{})
		n, i := o.Len(), 0
		o.Visit(func(k []byte, cv *fastjson.Value) {
			i++
			t := ""
			if i < n {
				t = ","
			}
			kp := w.st.Key.Render(w.quote(string(k))) + w.st.Punct.Render(":") + " "
			if depth == 0 && w.o.Fold[string(k)] {
				if folded, ok := w.folded(cv); ok {
					line := w.indent(depth+1) + kp + w.st.Punct.Render(folded)
					if t != "" {
						line += w.st.Punct.Render(t)
					}
					if w.o.FoldHint != "" {
						line += " " + w.st.Hint.Render(w.o.FoldHint)
					}
					w.add(line, JSONLeaf{})
					return
				}
			}
			w.value(cv, depth+1, kp, t, joinPath(path, string(k)))
		})
		w.add(ind+w.st.Punct.Render("}")+comma, JSONLeaf{})
	case fastjson.TypeArray:
		a, _ := v.Array()
		if len(a) == 0 {
			w.add(ind+prefix+w.st.Punct.Render("[]")+comma, JSONLeaf{})
			return
		}
		w.add(ind+prefix+w.st.Punct.Render("["), JSONLeaf{})
		for i, cv := range a {
			t := ""
			if i < len(a)-1 {
				t = ","
			}
			w.value(cv, depth+1, "", t, path)
		}
		w.add(ind+w.st.Punct.Render("]")+comma, JSONLeaf{})
	case fastjson.TypeString:
		s := string(v.GetStringBytes())
		w.add(ind+prefix+w.st.String.Render(w.quote(s))+comma, JSONLeaf{Kind: JSONString, Path: path, Value: s})
	case fastjson.TypeNumber:
		w.add(ind+prefix+w.st.Number.Render(w.o.Text(v.String()))+comma, JSONLeaf{Kind: JSONNumber, Path: path, Value: v.String()})
	default: // true, false, null
		leaf := JSONLeaf{Kind: JSONNull, Path: path}
		switch v.Type() {
		case fastjson.TypeTrue:
			leaf.Kind, leaf.Value = JSONTrue, "true"
		case fastjson.TypeFalse:
			leaf.Kind, leaf.Value = JSONFalse, "false"
		}
		w.add(ind+prefix+w.st.Literal.Render(v.String())+comma, leaf)
	}
}

func (w *jsonWriter) folded(v *fastjson.Value) (string, bool) {
	switch v.Type() {
	case fastjson.TypeObject:
		return "{…}", true
	case fastjson.TypeArray:
		return "[…]", true
	}
	return "", false
}
