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
	var p fastjson.Parser
	v, err := p.ParseBytes(doc)
	if err != nil {
		return nil, err
	}
	if opts.Indent == "" {
		opts.Indent = "  "
	}
	if opts.Text == nil {
		opts.Text = func(s string) string { return s }
	}
	w := &jsonWriter{st: st, o: opts}
	w.value(v, 0, "", "")
	return w.lines, nil
}

type jsonWriter struct {
	st    JSONStyles
	o     JSONOptions
	lines []string
}

func (w *jsonWriter) quote(s string) string {
	if strings.ContainsAny(s, `"\`) {
		s = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
	}
	return `"` + w.o.Text(s) + `"`
}

func (w *jsonWriter) indent(depth int) string { return strings.Repeat(w.o.Indent, depth) }

// value writes v at depth; prefix is the rendered `"key": ` (or ""), tail
// is "," for all but the last member.
func (w *jsonWriter) value(v *fastjson.Value, depth int, prefix, tail string) {
	ind := w.indent(depth)
	comma := ""
	if tail != "" {
		comma = w.st.Punct.Render(tail)
	}
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		if o.Len() == 0 {
			w.lines = append(w.lines, ind+prefix+w.st.Punct.Render("{}")+comma)
			return
		}
		w.lines = append(w.lines, ind+prefix+w.st.Punct.Render("{"))
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
					w.lines = append(w.lines, line)
					return
				}
			}
			w.value(cv, depth+1, kp, t)
		})
		w.lines = append(w.lines, ind+w.st.Punct.Render("}")+comma)
	case fastjson.TypeArray:
		a, _ := v.Array()
		if len(a) == 0 {
			w.lines = append(w.lines, ind+prefix+w.st.Punct.Render("[]")+comma)
			return
		}
		w.lines = append(w.lines, ind+prefix+w.st.Punct.Render("["))
		for i, cv := range a {
			t := ""
			if i < len(a)-1 {
				t = ","
			}
			w.value(cv, depth+1, "", t)
		}
		w.lines = append(w.lines, ind+w.st.Punct.Render("]")+comma)
	case fastjson.TypeString:
		w.lines = append(w.lines, ind+prefix+w.st.String.Render(w.quote(string(v.GetStringBytes())))+comma)
	case fastjson.TypeNumber:
		w.lines = append(w.lines, ind+prefix+w.st.Number.Render(w.o.Text(v.String()))+comma)
	default: // true, false, null
		w.lines = append(w.lines, ind+prefix+w.st.Literal.Render(v.String())+comma)
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
