// typesprog prints, as JSON on stdout, what it knows about its own types, functions and itabs,
// so the goruntime tests can compare goheapflame's reading of the binary against it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"unsafe"
)

type Small struct {
	A    *int
	b    int
	S    string
	next *Small
}

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

type Box[T any] struct {
	items []T
	first T
}

type Celsius float64

func (c Celsius) String() string { return fmt.Sprintf("%gC", float64(c)) }
func (c Celsius) Hot() bool      { return c > 30 }
func (c *Celsius) Warm()         { *c += 1 }

type Shape interface {
	Area() float64
	Name() string
}

type Square struct{ Side float64 }

func (s Square) Area() float64 { return s.Side * s.Side }
func (s Square) Name() string  { return "square" }

type Circle struct {
	R     float64
	Label *string
}

func (c *Circle) Area() float64 { return 3 * c.R * c.R }
func (c *Circle) Name() string  { return *c.Label }

type Inner struct {
	X, Y int
	P    *Small
}

// Tagged embeds a struct, carries tags and mixes exported and unexported fields.
type Tagged struct {
	Inner
	*Small
	Name  string `json:"name"`
	count uint16
	Vals  []float32 `json:"vals,omitempty"`
}

// BigPtrs has 1600 bytes of pointers: more than 1 KiB, so Go 1.27 builds its GC mask on demand.
type BigPtrs [200]*int

// HugeMixed has 160 KB of pointer data: on-demand GC masks from Go 1.24 on.
type HugeMixed struct {
	Hdr  int
	Ptrs [20000]*byte
	Tail string
}

// NestedBig makes the runtime recurse through struct fields and arrays of structs when it
// builds the mask, with one field larger than half of the parent.
type NestedBig struct {
	Head  Small
	Arr   [300]Pair[string, *Small]
	Plain [64]int64
	M     map[string]int
	Big   [2000]Inner
}

type Node struct {
	Next  *Node
	Value [3]uint64
}

var (
	answer    = 42
	globalPtr = &answer
	label     = "circle"
	// dataMixed (initialised: .data) and bssMixed (zero: .bss) interleave pointer and scalar words
	// for the data/bss pointer masks.
	dataMixed = Inner{X: 1, Y: 2, P: &Small{}}
	bssMixed  [3]Inner
)

// abiType mirrors internal/abi.Type (unchanged since Go 1.22) to read a descriptor's GCData.
type abiType struct {
	Size_, PtrBytes                   uintptr
	Hash                              uint32
	TFlag, Align_, FieldAlign_, Kind_ uint8
	Equal                             unsafe.Pointer
	GCData                            *byte
	Str, PtrToThis                    int32
}

const tflagGCMaskOnDemand = 1 << 4

// Live objects of types with on-demand masks: the GC builds their masks when it scans them.
var (
	keepHuge   = new(HugeMixed)
	keepNested = new(NestedBig)
	keepBig    = new(BigPtrs)
)

// runtimeMask returns, as hex, the mask the runtime built for an on-demand type ("" if none yet).
func runtimeMask(t reflect.Type) string {
	at := (*abiType)((*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1])
	if at.TFlag&tflagGCMaskOnDemand == 0 {
		return ""
	}
	built := *(**byte)(unsafe.Pointer(at.GCData))
	if built == nil {
		return ""
	}
	n := (at.PtrBytes/unsafe.Sizeof(uintptr(0)) + 7) / 8
	return fmt.Sprintf("%x", unsafe.Slice(built, n))
}

func typeWord(v any) uintptr {
	return (*[2]uintptr)(unsafe.Pointer(&v))[0]
}

// rtypeAddr is the address of the abi.Type behind a reflect.Type (a *rtype in an interface).
func rtypeAddr(t reflect.Type) uintptr {
	return (*[2]uintptr)(unsafe.Pointer(&t))[1]
}

type fieldTruth struct {
	Name     string  `json:"name"`
	Offset   uintptr `json:"offset"`
	Type     string  `json:"type"`
	TypeAddr string  `json:"typeAddr"`
	Embedded bool    `json:"embedded"`
	Tag      string  `json:"tag"`
	Exported bool    `json:"exported"`
}

type typeTruth struct {
	Label      string       `json:"label"`
	Addr       string       `json:"addr"`
	Kind       string       `json:"kind"`
	String     string       `json:"string"`
	Name       string       `json:"name"`
	PkgPath    string       `json:"pkgPath"`
	Size       uintptr      `json:"size"`
	Align      int          `json:"align"`
	FieldAlign int          `json:"fieldAlign"`
	NumMethod  int          `json:"numMethod"`
	Methods    []string     `json:"methods"`
	Fields     []fieldTruth `json:"fields,omitempty"`
	Elem       string       `json:"elem,omitempty"`
	ElemAddr   string       `json:"elemAddr,omitempty"`
	Key        string       `json:"key,omitempty"`
	Len        int          `json:"len,omitempty"`
	ChanDir    int          `json:"chanDir,omitempty"`
	In         []string     `json:"in,omitempty"`
	Out        []string     `json:"out,omitempty"`
	Variadic   bool         `json:"variadic,omitempty"`
	// RuntimeMask is the mask the runtime built itself (hex bytes) for on-demand types, read after a
	// GC scanned objects of the type; empty for other types.
	RuntimeMask string `json:"runtimeMask,omitempty"`
	// PointerWords lists the word offsets of every pointer in a value of the type, found by
	// walking the type with reflect: the truth for the GC mask.
	PointerWords []uintptr `json:"pointerWords"`
}

type funcTruth struct {
	Name  string `json:"name"`
	PC    string `json:"pc"`
	Entry string `json:"entry"`
	File  string `json:"file"`
	Line  int    `json:"line"`
}

type frameTruth struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Entry    string `json:"entry"`
}

// callerTruth is runtime.Callers from inside two inlined calls: PCs holds one "return PC"
// per logical frame (inlined frames get virtual PCs), Frames what runtime.CallersFrames
// makes of them.
type callerTruth struct {
	PCs    []string     `json:"pcs"`
	Frames []frameTruth `json:"frames"`
}

type itabTruth struct {
	Label string `json:"label"`
	Itab  string `json:"itab"`
	Inter string `json:"inter"`
	Type  string `json:"type"`
}

// globalTruth gives the address and size of a global and the word offsets of its pointers.
type globalTruth struct {
	Name         string    `json:"name"`
	Addr         string    `json:"addr"`
	Size         uintptr   `json:"size"`
	PointerWords []uintptr `json:"pointerWords"`
}

type truth struct {
	GoVersion string        `json:"goVersion"`
	Globals   []globalTruth `json:"globals"`
	Types     []typeTruth   `json:"types"`
	Funcs     []funcTruth   `json:"funcs"`
	Callers   callerTruth   `json:"callers"`
	Itabs     []itabTruth   `json:"itabs"`
}

func hex(p uintptr) string { return fmt.Sprintf("0x%x", p) }

// pointerWords walks t like the garbage collector sees it and appends the word offsets
// (relative to base, in words) of every pointer slot.
func pointerWords(t reflect.Type, base uintptr, out []uintptr) []uintptr {
	const w = unsafe.Sizeof(uintptr(0))
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return append(out, base/w)
	case reflect.String, reflect.Slice:
		return append(out, base/w)
	case reflect.Interface:
		// The first word (itab or type) points to static or persistentalloc'd data, never to the
		// heap, so the compiler's masks leave it out (cmd/compile/internal/typebits).
		return append(out, base/w+1)
	case reflect.Array:
		for i := 0; i < t.Len(); i++ {
			out = pointerWords(t.Elem(), base+uintptr(i)*t.Elem().Size(), out)
		}
		return out
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			out = pointerWords(f.Type, base+f.Offset, out)
		}
		return out
	}
	return out
}

func describe(label string, t reflect.Type) typeTruth {
	d := typeTruth{
		Label: label, Addr: hex(rtypeAddr(t)), Kind: t.Kind().String(), String: t.String(),
		Name: t.Name(), PkgPath: t.PkgPath(), Size: t.Size(), Align: t.Align(),
		FieldAlign: t.FieldAlign(), NumMethod: t.NumMethod(), Methods: []string{},
		PointerWords: pointerWords(t, 0, []uintptr{}), RuntimeMask: runtimeMask(t),
	}
	for i := 0; i < t.NumMethod(); i++ {
		d.Methods = append(d.Methods, t.Method(i).Name)
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			d.Fields = append(d.Fields, fieldTruth{
				Name: f.Name, Offset: f.Offset, Type: f.Type.String(), TypeAddr: hex(rtypeAddr(f.Type)),
				Embedded: f.Anonymous, Tag: string(f.Tag), Exported: f.IsExported(),
			})
		}
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan, reflect.Map:
		d.Elem = t.Elem().String()
		d.ElemAddr = hex(rtypeAddr(t.Elem()))
		if t.Kind() == reflect.Array {
			d.Len = t.Len()
		}
		if t.Kind() == reflect.Chan {
			d.ChanDir = int(t.ChanDir())
		}
		if t.Kind() == reflect.Map {
			d.Key = t.Key().String()
		}
	case reflect.Func:
		d.In, d.Out = []string{}, []string{}
		for i := 0; i < t.NumIn(); i++ {
			d.In = append(d.In, t.In(i).String())
		}
		for i := 0; i < t.NumOut(); i++ {
			d.Out = append(d.Out, t.Out(i).String())
		}
		d.Variadic = t.IsVariadic()
	}
	return d
}

//go:noinline
func argsMapTarget(a *int, b int, c *Small, d string) int {
	runtime.Gosched()
	return *a + b + len(c.S) + len(d)
}

//go:noinline
func localsMapTarget(n int) *Node {
	var head *Node
	for i := 0; i < n; i++ {
		head = &Node{Next: head}
		runtime.Gosched()
	}
	return head
}

//go:noinline
func fill(buf *[4]*int) {
	for i := range buf {
		buf[i] = globalPtr
	}
}

// stackObjectTarget keeps an address-taken array on its stack: a stack object.
//
//go:noinline
func stackObjectTarget() int {
	var buf [4]*int
	fill(&buf)
	return *buf[3]
}

// innerInlined is small enough to be inlined into outerNoInline; its callers show up as
// inlined frames at the PC of the runtime.Callers call.
func innerInlined(pcs []uintptr) int {
	return runtime.Callers(0, pcs)
}

func middleInlined(pcs []uintptr) int {
	return innerInlined(pcs) + 0
}

//go:noinline
func outerNoInline(pcs []uintptr) int {
	return middleInlined(pcs)
}

func callerTruths() callerTruth {
	pcs := make([]uintptr, 16)
	n := outerNoInline(pcs)
	var out callerTruth
	for _, pc := range pcs[:n] {
		out.PCs = append(out.PCs, hex(pc))
	}
	frames := runtime.CallersFrames(pcs[:n])
	for {
		fr, more := frames.Next()
		out.Frames = append(out.Frames, frameTruth{Function: fr.Function, File: fr.File, Line: fr.Line, Entry: hex(fr.Entry)})
		if !more {
			break
		}
	}
	return out
}

func globalOf(name string, p any) globalTruth {
	v := reflect.ValueOf(p)
	t := v.Type().Elem()
	return globalTruth{Name: name, Addr: hex(v.Pointer()), Size: t.Size(), PointerWords: pointerWords(t, 0, []uintptr{})}
}

func funcTruthOf(f any) funcTruth {
	pc := reflect.ValueOf(f).Pointer()
	fn := runtime.FuncForPC(pc)
	file, line := fn.FileLine(pc)
	return funcTruth{Name: fn.Name(), PC: hex(pc), Entry: hex(fn.Entry()), File: file, Line: line}
}

// itabOf reads the itab word of the interface value *ifacePtr (a *I for an interface type I).
func itabOf(label string, ifacePtr any) itabTruth {
	words := (*[2]uintptr)(reflect.ValueOf(ifacePtr).UnsafePointer())
	itab := words[0]
	inter := reflect.TypeOf(ifacePtr).Elem()
	concrete := reflect.ValueOf(ifacePtr).Elem().Elem().Type()
	return itabTruth{Label: label, Itab: hex(itab), Inter: hex(rtypeAddr(inter)), Type: hex(rtypeAddr(concrete))}
}

func main() {
	var shape Shape = Square{2}
	var circle Shape = &Circle{R: 1, Label: &label}
	var err error = errors.New("boom")
	var stringer fmt.Stringer = Celsius(31)

	// Each value's type word must equal the descriptor address reflect reports.
	samples := []struct {
		label string
		value any
	}{
		{"int", 0},
		{"string", ""},
		{"bool", true},
		{"complex128", complex128(0)},
		{"uintptr", uintptr(0)},
		{"unsafe.Pointer", unsafe.Pointer(nil)},
		{"*int", globalPtr},
		{"**int", &globalPtr},
		{"Small", Small{}},
		{"*Small", &Small{}},
		{"Celsius", Celsius(0)},
		{"*Celsius", new(Celsius)},
		{"Tagged", Tagged{}},
		{"Inner", Inner{}},
		{"BigPtrs", BigPtrs{}},
		{"*HugeMixed", new(HugeMixed)},
		{"Node", Node{}},
		{"[4]Small", [4]Small{}},
		{"[]*Small", []*Small{}},
		{"[]int", []int{}},
		{"map[string]*Small", map[string]*Small{}},
		{"map[int64]int", map[int64]int{}},
		{"map[[200]byte]int", map[[200]byte]int{}},
		{"map[string][300]byte", map[string][300]byte{}},
		{"chan *Small", make(chan *Small)},
		{"<-chan int", make(<-chan int)},
		{"chan<- struct{}", make(chan<- struct{})},
		{"func(int) string", func(int) string { return "" }},
		{"func(string, ...any) (int, error)", fmt.Printf},
		{"Pair[string,*Small]", Pair[string, *Small]{}},
		{"Box[int]", Box[int]{}},
		{"Box[Shape]", Box[Shape]{}},
		{"Square", Square{}},
		{"*Circle", &Circle{}},
		{"struct{...}", struct {
			a int
			B []byte
		}{}},
		{"[]any", []any{}},
		{"[2]error", [2]error{}},
	}

	runtime.GC()
	runtime.KeepAlive(keepHuge)
	runtime.KeepAlive(keepNested)
	runtime.KeepAlive(keepBig)

	var out truth
	out.GoVersion = runtime.Version()
	for _, s := range samples {
		t := reflect.TypeOf(s.value)
		d := describe(s.label, t)
		if got := hex(typeWord(s.value)); got != d.Addr {
			panic("type word " + got + " differs from reflect " + d.Addr)
		}
		out.Types = append(out.Types, d)
	}
	// Types too big to put in an interface cheaply, and interface types themselves.
	for _, it := range []struct {
		label string
		t     reflect.Type
	}{
		{"HugeMixed", reflect.TypeFor[HugeMixed]()},
		{"NestedBig", reflect.TypeFor[NestedBig]()},
		{"Shape", reflect.TypeFor[Shape]()},
		{"error", reflect.TypeFor[error]()},
		{"any", reflect.TypeFor[any]()},
		{"fmt.Stringer", reflect.TypeFor[fmt.Stringer]()},
	} {
		out.Types = append(out.Types, describe(it.label, it.t))
	}

	out.Funcs = []funcTruth{
		funcTruthOf(main),
		funcTruthOf(argsMapTarget),
		funcTruthOf(localsMapTarget),
		funcTruthOf(outerNoInline),
		funcTruthOf(stackObjectTarget),
		funcTruthOf(pointerWords),
		funcTruthOf(runtime.GC),
		funcTruthOf(fmt.Sprintf),
		funcTruthOf(Square.Area),
		funcTruthOf((*Circle).Name),
	}
	out.Callers = callerTruths()
	out.Globals = []globalTruth{
		globalOf("globalPtr", &globalPtr),
		globalOf("answer", &answer),
		globalOf("dataMixed", &dataMixed),
		globalOf("bssMixed", &bssMixed),
	}
	out.Itabs = []itabTruth{
		itabOf("Square as Shape", &shape),
		itabOf("*Circle as Shape", &circle),
		itabOf("errors.errorString as error", &err),
		itabOf("Celsius as fmt.Stringer", &stringer),
	}

	// Keep the mask targets alive and used so the compiler keeps their frames honest.
	_ = argsMapTarget(globalPtr, 1, &Small{S: "x"}, "y")
	_ = localsMapTarget(3)
	_ = stackObjectTarget()

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
