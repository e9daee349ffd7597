// oracle reads a Go binary with the standard library's debug/gosym and debug/dwarf and prints
// what they find as JSON, as an independent truth for goheapflame's pclntab and layout readers.
//
//	oracle pcln BINARY            every function with file:line at its entry, middle and last byte
//	oracle structs BINARY NAME…   size and field offsets of the named DWARF struct types
package main

import (
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"encoding/json"
	"fmt"
	"os"
)

type position struct {
	PC   string `json:"pc"`
	File string `json:"file"`
	Line int    `json:"line"`
	Func string `json:"func"`
}

type function struct {
	Name    string     `json:"name"`
	Entry   string     `json:"entry"`
	End     string     `json:"end"`
	Samples []position `json:"samples"`
}

type field struct {
	Name   string `json:"name"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
}

type layout struct {
	Size   int64   `json:"size"`
	Fields []field `json:"fields"`
}

func hex(v uint64) string { return fmt.Sprintf("0x%x", v) }

func pcln(f *elf.File) any {
	text := f.Section(".text")
	data, err := f.Section(".gopclntab").Data()
	if err != nil {
		panic(err)
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		panic(err)
	}
	var out []function
	for _, fn := range table.Funcs {
		fo := function{Name: fn.Name, Entry: hex(fn.Entry), End: hex(fn.End)}
		for _, pc := range []uint64{fn.Entry, fn.Entry + (fn.End-fn.Entry)/2, fn.End - 1} {
			file, line, lf := table.PCToLine(pc)
			name := ""
			if lf != nil {
				name = lf.Name
			}
			fo.Samples = append(fo.Samples, position{PC: hex(pc), File: file, Line: line, Func: name})
		}
		out = append(out, fo)
	}
	return out
}

func structs(f *elf.File, names []string) any {
	d, err := f.DWARF()
	if err != nil {
		panic(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]*layout{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			panic(err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if !want[name] || out[name] != nil {
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			panic(err)
		}
		st := t.(*dwarf.StructType)
		l := &layout{Size: st.ByteSize}
		for _, fld := range st.Field {
			l.Fields = append(l.Fields, field{Name: fld.Name, Offset: fld.ByteOffset, Size: fld.Type.Size()})
		}
		out[name] = l
	}
	return out
}

func main() {
	f, err := elf.Open(os.Args[2])
	if err != nil {
		panic(err)
	}
	var out any
	switch os.Args[1] {
	case "pcln":
		out = pcln(f)
	case "structs":
		out = structs(f, os.Args[3:])
	default:
		panic("unknown command " + os.Args[1])
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
