// Command dwarforacle dumps what Go's own debug/dwarf package reads from an executable, as JSON, so
// the TypeScript reader can be checked DIE by DIE against an independent implementation.
//
// Usage: dwarforacle EXECUTABLE
package main

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
)

const (
	attrGoKind        = dwarf.Attr(0x2900)
	attrGoKey         = dwarf.Attr(0x2901)
	attrGoElem        = dwarf.Attr(0x2902)
	attrGoEmbedded    = dwarf.Attr(0x2903)
	attrGoRuntimeType = dwarf.Attr(0x2904)
)

type unitOut struct {
	Offset   dwarf.Offset `json:"offset"`
	Name     string       `json:"name"`
	Producer string       `json:"producer"`
	Language int64        `json:"language"`
}

type fieldOut struct {
	Name     string       `json:"name"`
	Offset   int64        `json:"offset"`
	Type     dwarf.Offset `json:"type"`
	Embedded bool         `json:"embedded"`
}

type typeOut struct {
	Offset      dwarf.Offset `json:"offset"`
	Tag         int          `json:"tag"`
	Name        string       `json:"name"`
	Go          bool         `json:"go"`
	ByteSize    int64        `json:"byteSize"`
	GoKind      int64        `json:"goKind"`
	RuntimeType uint64       `json:"runtimeType"`
	Type        int64        `json:"type"`
	Elem        int64        `json:"elem"`
	Key         int64        `json:"key"`
	Count       int64        `json:"count"`
	Fields      []fieldOut   `json:"fields,omitempty"`
}

type varOut struct {
	Name        string `json:"name"`
	Param       bool   `json:"param"`
	Output      bool   `json:"output"`
	Type        int64  `json:"type"`
	InlinedFrom string `json:"inlinedFrom,omitempty"`
	Expr        string `json:"expr"`
	List        bool   `json:"list"`
}

type funcOut struct {
	Name   string      `json:"name"`
	Offset int64       `json:"offset"`
	LowPC  uint64      `json:"lowpc"`
	HighPC uint64      `json:"highpc"`
	Ranges [][2]uint64 `json:"ranges,omitempty"`
	Vars   []varOut    `json:"vars"`
}

type globalOut struct {
	Name    string `json:"name"`
	Address uint64 `json:"address"`
	Type    int64  `json:"type"`
}

type constOut struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type out struct {
	Units     []unitOut   `json:"units"`
	Types     []typeOut   `json:"types"`
	Globals   []globalOut `json:"globals"`
	Constants []constOut  `json:"constants"`
	Functions []funcOut   `json:"functions"`
}

var typeTags = map[dwarf.Tag]bool{
	dwarf.TagArrayType: true, dwarf.TagClassType: true, dwarf.TagEnumerationType: true, dwarf.TagPointerType: true,
	dwarf.TagReferenceType: true, dwarf.TagStructType: true, dwarf.TagSubroutineType: true, dwarf.TagTypedef: true,
	dwarf.TagUnionType: true, dwarf.TagPtrToMemberType: true, dwarf.TagBaseType: true, dwarf.TagConstType: true,
	dwarf.TagVolatileType: true, dwarf.TagRestrictType: true, dwarf.TagUnspecifiedType: true,
	dwarf.TagRvalueReferenceType: true, dwarf.TagAtomicType: true,
}

func main() {
	f, err := elf.Open(os.Args[1])
	check(err)
	d, err := f.DWARF()
	check(err)
	var o out
	r := d.Reader()
	isGo := false
	depth := 0
	for {
		e, err := r.Next()
		check(err)
		if e == nil {
			break
		}
		if e.Tag == 0 {
			depth--
			continue
		}
		entryDepth := depth
		if e.Children {
			depth++
		}
		switch {
		case e.Tag == dwarf.TagCompileUnit || e.Tag == dwarf.TagPartialUnit:
			depth = 1
			lang, _ := e.Val(dwarf.AttrLanguage).(int64)
			isGo = lang == 0x16
			o.Units = append(o.Units, unitOut{e.Offset, str(e, dwarf.AttrName), str(e, dwarf.AttrProducer), lang})
		case typeTags[e.Tag]:
			o.Types = append(o.Types, readType(d, e, isGo))
		case e.Tag == dwarf.TagSubprogram:
			if fn, ok := readFunc(d, e); ok {
				o.Functions = append(o.Functions, fn)
			}
		case e.Tag == dwarf.TagVariable && entryDepth == 1:
			loc, ok := e.Val(dwarf.AttrLocation).([]byte)
			if ok && len(loc) == 9 && loc[0] == 0x03 {
				addr := uint64(0)
				for i := 8; i >= 1; i-- {
					addr = addr<<8 | uint64(loc[i])
				}
				o.Globals = append(o.Globals, globalOut{str(e, dwarf.AttrName), addr, ref(e, dwarf.AttrType)})
			}
		case e.Tag == dwarf.TagConstant && entryDepth == 1:
			if v, ok := e.Val(dwarf.AttrConstValue).(int64); ok {
				o.Constants = append(o.Constants, constOut{str(e, dwarf.AttrName), fmt.Sprint(v)})
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	check(enc.Encode(o))
}

func readType(d *dwarf.Data, e *dwarf.Entry, isGo bool) typeOut {
	t := typeOut{
		Offset: e.Offset, Tag: int(e.Tag), Name: str(e, dwarf.AttrName), Go: isGo,
		ByteSize: intOr(e, dwarf.AttrByteSize, -1), GoKind: intOr(e, attrGoKind, 0),
		Type: ref(e, dwarf.AttrType), Elem: ref(e, attrGoElem), Key: ref(e, attrGoKey), Count: -1,
	}
	t.RuntimeType, _ = e.Val(attrGoRuntimeType).(uint64)
	if !e.Children {
		return t
	}
	r := d.Reader()
	r.Seek(e.Offset)
	r.Next()
	for {
		c, err := r.Next()
		check(err)
		if c == nil || c.Tag == 0 {
			break
		}
		switch c.Tag {
		case dwarf.TagMember:
			emb, _ := c.Val(attrGoEmbedded).(bool)
			t.Fields = append(t.Fields, fieldOut{str(c, dwarf.AttrName), intOr(c, dwarf.AttrDataMemberLoc, 0), dwarf.Offset(ref(c, dwarf.AttrType)), emb})
		case dwarf.TagSubrangeType:
			t.Count = intOr(c, dwarf.AttrCount, -1)
			if t.Count < 0 {
				if ub, ok := c.Val(dwarf.AttrUpperBound).(int64); ok {
					t.Count = ub + 1
				}
			}
		}
		if c.Children {
			r.SkipChildren()
		}
	}
	return t
}

func readFunc(d *dwarf.Data, e *dwarf.Entry) (funcOut, bool) {
	ranges, err := d.Ranges(e)
	check(err)
	if len(ranges) == 0 {
		return funcOut{}, false
	}
	fn := funcOut{Name: originName(d, e), Offset: int64(e.Offset), LowPC: ranges[0][0], HighPC: ranges[0][1]}
	if len(ranges) > 1 || e.AttrField(dwarf.AttrRanges) != nil {
		fn.Ranges = ranges
		fn.LowPC, fn.HighPC = ^uint64(0), 0
		for _, rg := range ranges {
			fn.LowPC = min(fn.LowPC, rg[0])
			fn.HighPC = max(fn.HighPC, rg[1])
		}
	}
	if fn.LowPC == 0 || fn.HighPC <= fn.LowPC {
		return funcOut{}, false
	}
	if !e.Children {
		return fn, true
	}
	r := d.Reader()
	r.Seek(e.Offset)
	r.Next()
	type inl struct {
		depth int
		name  string
	}
	var inlined []inl
	depth := 1
	for depth > 0 {
		c, err := r.Next()
		check(err)
		if c == nil {
			break
		}
		if c.Tag == 0 {
			depth--
			continue
		}
		for len(inlined) > 0 && depth <= inlined[len(inlined)-1].depth {
			inlined = inlined[:len(inlined)-1]
		}
		switch c.Tag {
		case dwarf.TagInlinedSubroutine:
			inlined = append(inlined, inl{depth, originName(d, c)})
		case dwarf.TagVariable, dwarf.TagFormalParameter:
			v := varOut{Param: c.Tag == dwarf.TagFormalParameter}
			src := origin(d, c)
			v.Name = str(src, dwarf.AttrName)
			v.Type = ref(src, dwarf.AttrType)
			v.Output, _ = src.Val(dwarf.AttrVarParam).(bool)
			if len(inlined) > 0 {
				v.InlinedFrom = inlined[len(inlined)-1].name
			}
			if f := c.AttrField(dwarf.AttrLocation); f != nil {
				switch f.Class {
				case dwarf.ClassExprLoc, dwarf.ClassBlock:
					v.Expr = hex.EncodeToString(f.Val.([]byte))
				case dwarf.ClassLocListPtr, dwarf.ClassLocList:
					v.List = true
				}
			}
			fn.Vars = append(fn.Vars, v)
		}
		if c.Children {
			depth++
		}
	}
	return fn, true
}

// origin is the DIE holding e's name and type: e itself, or where DW_AT_abstract_origin/specification lead.
func origin(d *dwarf.Data, e *dwarf.Entry) *dwarf.Entry {
	for i := 0; i < 8 && e.Val(dwarf.AttrName) == nil; i++ {
		off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if !ok {
			off, ok = e.Val(dwarf.AttrSpecification).(dwarf.Offset)
		}
		if !ok {
			break
		}
		r := d.Reader()
		r.Seek(off)
		next, err := r.Next()
		check(err)
		e = next
	}
	return e
}

func originName(d *dwarf.Data, e *dwarf.Entry) string { return str(origin(d, e), dwarf.AttrName) }

func str(e *dwarf.Entry, a dwarf.Attr) string {
	s, _ := e.Val(a).(string)
	return s
}

func ref(e *dwarf.Entry, a dwarf.Attr) int64 {
	if off, ok := e.Val(a).(dwarf.Offset); ok {
		return int64(off)
	}
	return -1
}

func intOr(e *dwarf.Entry, a dwarf.Attr, def int64) int64 {
	if v, ok := e.Val(a).(int64); ok {
		return v
	}
	return def
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwarforacle:", err)
		os.Exit(1)
	}
}
