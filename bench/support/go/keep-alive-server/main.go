// The replica of bench/proxy-overhead.ts: the test image's answers (/version, /health) from an
// HTTP/1.1 server that keeps connections open, as real application servers do. The busybox httpd
// of the test images closes every connection, which would measure TCP set-up instead of the proxy.
// WORK_US makes each /version answer spend that many microseconds of CPU first (hashing), as an
// application's handler does; 0 (the default) answers from memory at once.
// Standard library only; built static by the bench and run as the only file of its image.
package main

import (
	"crypto/sha256"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	version := os.Getenv("VERSION")
	if version == "" {
		version = "v1"
	}
	workUs, _ := strconv.Atoi(os.Getenv("WORK_US"))
	work := time.Duration(workUs) * time.Microsecond
	http.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) {
		sum := sha256.Sum256([]byte(version))
		for started := time.Now(); time.Since(started) < work; {
			sum = sha256.Sum256(sum[:])
		}
		_, _ = w.Write([]byte(version + "\n"))
	})
	http.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	if err := http.ListenAndServe(":8080", nil); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
