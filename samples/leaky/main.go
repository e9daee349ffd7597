// Command leaky is the sample behind goheapflame's bundled core: a pretend server that leaks memory
// in four ways a reference flame graph makes obvious at a glance.
//
//   - main.sessionCache, a global map of *Session, grows with every login and never evicts;
//     each session keeps its request buffer and its user name.
//   - main.(*Server).acceptLoop queues every request in a local slice that nothing drains.
//   - main.broker keeps a subscriber list of buffered channels that nobody reads.
//   - main.(*Server).indexLoop holds a 10,000-node search tree in a local variable.
//
// Once everything is planted it prints the heap it measured, then "ready", and parks until it is
// killed (samples/make-sample.sh sends SIGABRT with GOTRACEBACK=crash to get a core).
package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"
)

const (
	sessions          = 1500
	requestBufferSize = 1024
	pendingRequests   = 1200
	subscribers       = 24
	messagesPerQueue  = 32
	indexNodes        = 10000
)

// Session is one logged-in user; sessionCache keeps it for ever.
type Session struct {
	ID        int64
	User      string
	CreatedAt time.Time
	Request   []byte
}

// sessionCache maps session IDs to sessions. Nothing ever deletes from it: the leak.
var sessionCache = map[int64]*Session{}

// Request is a queued unit of work.
type Request struct {
	ID      int
	Path    string
	Body    []byte
	Headers map[string]string
}

// Message is what the broker fans out to its subscribers.
type Message struct {
	Topic   string
	Payload []byte
}

// Broker fans messages out to every subscriber's buffered channel.
type Broker struct {
	subscribers []chan *Message
}

// broker's subscribers never read their channels, so every message published stays buffered.
var broker = &Broker{}

// indexNode is a node of an unbalanced binary search tree keyed by user name.
type indexNode struct {
	Key         string
	SessionID   int64
	Left, Right *indexNode
}

// startupDefaults is initialised in the binary (.noptrdata) and cleared at startup, so its pages are
// zero in memory but not in the file: they check that samples/compact-core.mjs keeps the pages of
// file-backed mappings, which a reader would otherwise fill from the binary.
var startupDefaults = [2048]int64{0: 1, 64: 1, 128: 1, 192: 1, 256: 1, 320: 1, 384: 1, 448: 1, 512: 1, 576: 1, 640: 1, 704: 1, 768: 1, 832: 1, 896: 1, 960: 1, 1024: 1, 1088: 1, 1152: 1, 1216: 1, 1280: 1, 1344: 1, 1408: 1, 1472: 1, 1536: 1, 1600: 1, 1664: 1, 1728: 1, 1792: 1, 1856: 1, 1920: 1, 1984: 1}

// Server owns the goroutines that hold memory in their stack frames.
type Server struct {
	Name string
	quit chan struct{}
}

func (b *Broker) Subscribe() chan *Message {
	ch := make(chan *Message, messagesPerQueue)
	b.subscribers = append(b.subscribers, ch)
	return ch
}

// Publish gives every subscriber its own copy of the message.
func (b *Broker) Publish(topic string, payload []byte) {
	for _, ch := range b.subscribers {
		m := &Message{Topic: topic, Payload: append([]byte(nil), payload...)}
		select {
		case ch <- m:
		default: // a full queue drops the message; the buffered ones stay
		}
	}
}

func userName(i int) string {
	return "user-" + strconv.Itoa(100000+i*7919%90000)
}

// login creates a session and caches it.
func login(i int) *Session {
	s := &Session{
		ID:        int64(i + 1),
		User:      userName(i),
		CreatedAt: time.Unix(1_700_000_000+int64(i), 0),
		Request:   make([]byte, requestBufferSize),
	}
	copy(s.Request, "GET /api/v1/profile HTTP/1.1\r\nHost: example.com\r\n")
	sessionCache[s.ID] = s
	return s
}

// acceptLoop accepts requests and queues them in pending, which is never drained.
func (s *Server) acceptLoop(ready chan<- struct{}) {
	var pending []*Request
	for i := 0; i < pendingRequests; i++ {
		pending = append(pending, &Request{
			ID:      i,
			Path:    "/api/v1/orders/" + strconv.Itoa(i),
			Body:    make([]byte, 640),
			Headers: map[string]string{"Content-Type": "application/json", "X-Request-Id": strconv.Itoa(i)},
		})
	}
	ready <- struct{}{}
	<-s.quit
	runtime.KeepAlive(pending)
}

// indexLoop builds a search index over the sessions and keeps it in a local variable.
func (s *Server) indexLoop(ready chan<- struct{}) {
	var root *indexNode
	for i := 0; i < indexNodes; i++ {
		root = insert(root, &indexNode{Key: userName(i) + "/" + strconv.Itoa(i), SessionID: int64(i + 1)})
	}
	ready <- struct{}{}
	<-s.quit
	runtime.KeepAlive(root)
}

func insert(root, n *indexNode) *indexNode {
	if root == nil {
		return n
	}
	at := root
	for {
		next := &at.Left
		if n.Key > at.Key {
			next = &at.Right
		}
		if *next == nil {
			*next = n
			return root
		}
		at = *next
	}
}

func main() {
	clear(startupDefaults[:])
	server := &Server{Name: "leaky", quit: make(chan struct{})}
	ready := make(chan struct{})
	go server.acceptLoop(ready)
	go server.indexLoop(ready)

	for i := 0; i < sessions; i++ {
		login(i)
	}
	for i := 0; i < subscribers; i++ {
		broker.Subscribe()
	}
	for i := 0; i < messagesPerQueue; i++ {
		broker.Publish("orders."+strconv.Itoa(i), make([]byte, 512))
	}
	<-ready
	<-ready

	// Return freed pages to the OS so the core holds the live heap and little else.
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("heap: %d objects, %d bytes in use\n", m.HeapObjects, m.HeapAlloc)
	fmt.Println("ready")
	for {
		time.Sleep(time.Hour)
	}
}
