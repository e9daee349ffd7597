// Command heap26 plants a live heap of about 26 MiB for bench/peers/run.sh: a linked list of
// structs with strings and small slices, a map of pointers to structs, a slice of strings, large byte
// blocks, and a binary tree held only by a parked goroutine's local variable. It prints one line,
// "ready heapalloc=… objects=…" (runtime.MemStats after a GC), then sleeps until it is dumped.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// Node is an element of the global linked list main.list.
type Node struct {
	Next *Node
	ID   int64
	Name string
	Tags []string
}

// Account is a value of the global map main.accounts.
type Account struct {
	ID      int64
	Owner   string
	Balance float64
	History []int64
}

// Tree is a node of the binary tree held by main.holdTree's local variable.
type Tree struct {
	Left, Right *Tree
	Key         int64
	Weight      int64
}

var (
	list     *Node
	accounts map[int64]*Account
	names    []string
	blocks   [][]byte
	sink     = make(chan struct{})
)

var tags = []string{"red", "green", "blue"} // shared by every Node: one backing array, three strings

func main() {
	for i := 0; i < 100_000; i++ {
		list = &Node{Next: list, ID: int64(i), Name: "node-" + strconv.Itoa(1_000_000+i), Tags: tags[:1+i%3]}
	}
	accounts = make(map[int64]*Account, 40_000)
	for i := int64(0); i < 40_000; i++ {
		accounts[i] = &Account{
			ID:      i,
			Owner:   fmt.Sprintf("owner-%016d", i),
			Balance: float64(i) / 3,
			History: make([]int64, 8),
		}
	}
	names = make([]string, 50_000)
	for i := range names {
		names[i] = fmt.Sprintf("%-64s", "name-"+strconv.Itoa(i))
	}
	blocks = make([][]byte, 110)
	for i := range blocks {
		blocks[i] = make([]byte, 64<<10)
		for k := 0; k < len(blocks[i]); k += 4096 {
			blocks[i][k] = byte(i)
		}
	}
	ready := make(chan struct{})
	go holdTree(ready)
	<-ready
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("ready heapalloc=%d objects=%d\n", m.HeapAlloc, m.HeapObjects)
	os.Stdout.Sync()
	for {
		time.Sleep(time.Hour)
	}
}

func build(lo, hi int64) *Tree {
	if lo >= hi {
		return nil
	}
	mid := (lo + hi) / 2
	return &Tree{Left: build(lo, mid), Right: build(mid+1, hi), Key: mid, Weight: hi - lo}
}

func holdTree(ready chan<- struct{}) {
	tree := build(0, 20_000)
	close(ready)
	<-sink // never sent: the tree stays reachable from this frame only
	runtime.KeepAlive(tree)
}
