// tools/template_reference: the Go text/template reference for tests/data/templates/ (see the
// README there). Not part of the build; run with Debian's golang-go:
//
//	cd tools/template_reference && go build -o /tmp/render . && /tmp/render T.gotmpl REQUEST.json
//
// Renders an Ollama-style chat template with Go's text/template on a request file, with data
// shaped as Ollama passes it (collated messages, tools that print as JSON).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
)

type PropertyType []string

func (pt PropertyType) MarshalJSON() ([]byte, error) {
	if len(pt) == 1 {
		return json.Marshal(pt[0])
	}
	return json.Marshal([]string(pt))
}

func (pt *PropertyType) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*pt = PropertyType{s}
		return nil
	}
	var l []string
	err := json.Unmarshal(b, &l)
	*pt = l
	return err
}

type ToolProperty struct {
	Type        PropertyType `json:"type,omitempty"`
	Items       any          `json:"items,omitempty"`
	Description string       `json:"description,omitempty"`
	Enum        []any        `json:"enum,omitempty"`
}

type Params struct {
	Type       string                  `json:"type"`
	Defs       any                     `json:"$defs,omitempty"`
	Items      any                     `json:"items,omitempty"`
	Required   []string                `json:"required,omitempty"`
	Properties map[string]ToolProperty `json:"properties"`
}

type ToolFunction struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Parameters  Params `json:"parameters"`
}

func (f ToolFunction) String() string { b, _ := json.Marshal(f); return string(b) }

type Tool struct {
	Type     string       `json:"type"`
	Items    any          `json:"items,omitempty"`
	Function ToolFunction `json:"function"`
}

func (t Tool) String() string { b, _ := json.Marshal(t); return string(b) }

type Tools []Tool

func (t Tools) String() string { b, _ := json.Marshal(t); return string(b) }

// Arguments in their given order.
type Args struct {
	keys []string
	vals map[string]json.RawMessage
}

func (a *Args) UnmarshalJSON(b []byte) error {
	a.vals = map[string]json.RawMessage{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		dec.Decode(&v)
		a.keys = append(a.keys, k.(string))
		a.vals[k.(string)] = v
	}
	return nil
}

func (a Args) String() string {
	var sb strings.Builder
	sb.WriteString("{")
	for i, k := range a.keys {
		if i > 0 {
			sb.WriteString(",")
		}
		kb, _ := json.Marshal(k)
		sb.Write(kb)
		sb.WriteString(":")
		var v any
		json.Unmarshal(a.vals[k], &v)
		vb, _ := json.Marshal(v)
		sb.Write(vb)
	}
	sb.WriteString("}")
	return sb.String()
}

type Function struct {
	Name      string `json:"name"`
	Arguments Args   `json:"arguments"`
}
type ToolCall struct {
	Function Function `json:"function"`
}
type Message struct {
	Role      string     `json:"role"`
	Content   string     `json:"content"`
	Thinking  string     `json:"thinking"`
	ToolCalls []ToolCall `json:"tool_calls"`
	ToolName  string     `json:"tool_name"`
}

type Request struct {
	Messages []Message `json:"messages"`
	Tools    Tools     `json:"tools"`
	Prompt   string    `json:"prompt"`
	System   string    `json:"system"`
	Think    *bool     `json:"think"`
}

func main() {
	tb, _ := os.ReadFile(os.Args[1])
	rb, _ := os.ReadFile(os.Args[2])
	var req Request
	if err := json.Unmarshal(rb, &req); err != nil {
		panic(err)
	}
	msgs := req.Messages
	if msgs == nil {
		if req.System != "" {
			msgs = append(msgs, Message{Role: "system", Content: req.System})
		}
		msgs = append(msgs, Message{Role: "user", Content: req.Prompt})
	}
	var system []string
	var collated []*Message
	for i := range msgs {
		m := msgs[i]
		if m.Role == "system" {
			system = append(system, m.Content)
		}
		if len(collated) > 0 && collated[len(collated)-1].Role == m.Role {
			collated[len(collated)-1].Content += "\n\n" + m.Content
		} else {
			collated = append(collated, &m)
		}
	}
	t := template.Must(template.New("").Parse(string(tb)))
	var out bytes.Buffer
	err := t.Execute(&out, map[string]any{
		"System":     strings.Join(system, "\n\n"),
		"Messages":   collated,
		"Tools":      req.Tools,
		"Response":   "",
		"Think":      req.Think != nil && *req.Think,
		"ThinkLevel": "",
		"IsThinkSet": req.Think != nil,
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(out.String())
}
