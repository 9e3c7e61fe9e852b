// An HTTP/1.1 load generator for bench/proxy-overhead.ts: `-c` keep-alive connections for `-d`,
// printing one JSON line. Closed loop by default (each connection sends its next GET as soon as the
// previous answer is read: the most the path can carry); with `-rate`, open loop at that many
// requests a second in all, each latency counted from when its request was due, so a stall shows
// in the percentiles instead of silently sending less (coordinated omission).
// Go, not Node: at thousands of HTTPS requests a second a Node client takes most of a core, and on
// a 2-core machine the generator would be measured instead of the proxy. Both sides of the bench
// use this same generator. Standard library only.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"
)

type result struct {
	Requests int     `json:"requests"`
	Failed   int     `json:"failed"`
	PerSec   float64 `json:"per_second"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	// The generator's own CPU (user + system), so a reader can see what the client side cost.
	CPUMs float64 `json:"cpu_ms"`
}

func main() {
	url := flag.String("url", "", "the URL to GET, e.g. https://127.0.0.1:8443/version")
	host := flag.String("host", "", "Host header and TLS server name (the domain), when the URL names an IP")
	caFile := flag.String("ca", "", "PEM root the server's certificate must chain to")
	concurrency := flag.Int("c", 16, "connections, each with one request in flight")
	duration := flag.Duration("d", 10*time.Second, "how long to send")
	rate := flag.Float64("rate", 0, "requests a second in all (open loop); 0 sends as fast as answers come")
	flag.Parse()

	tlsConfig := &tls.Config{ServerName: *host}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fail(err)
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(pem)
		tlsConfig.RootCAs = roots
	}
	// A custom TLS config leaves HTTP/2 off: both sides are measured over HTTP/1.1 keep-alive.
	transport := &http.Transport{TLSClientConfig: tlsConfig, MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}

	var mu sync.Mutex
	var latencies []time.Duration
	failed := 0
	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for i := 0; i < *concurrency; i++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			own := make([]time.Duration, 0, 1<<16)
			ownFailed := 0
			var interval time.Duration
			due := time.Now()
			if *rate > 0 {
				interval = time.Duration(float64(*concurrency) / *rate * float64(time.Second))
				due = due.Add(interval * time.Duration(worker) / time.Duration(*concurrency))
			}
			for time.Now().Before(deadline) {
				request, _ := http.NewRequest(http.MethodGet, *url, nil)
				if *host != "" {
					request.Host = *host
				}
				started := time.Now()
				if interval > 0 {
					time.Sleep(time.Until(due))
					started = due
					due = due.Add(interval)
				}
				response, err := client.Do(request)
				if err == nil {
					_, err = io.Copy(io.Discard, response.Body)
					response.Body.Close()
				}
				if err != nil || response.StatusCode != http.StatusOK {
					ownFailed++
					continue
				}
				own = append(own, time.Since(started))
			}
			mu.Lock()
			latencies = append(latencies, own...)
			failed += ownFailed
			mu.Unlock()
		}(i)
	}
	wg.Wait()

	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	at := func(q float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		index := int(q * float64(len(latencies)))
		if index >= len(latencies) {
			index = len(latencies) - 1
		}
		return float64(latencies[index].Microseconds()) / 1000
	}
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	out := result{Requests: len(latencies), Failed: failed, PerSec: float64(len(latencies)) / duration.Seconds(), P50Ms: at(0.5), P99Ms: at(0.99), CPUMs: float64(cpu.Microseconds()) / 1000}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(1)
}
