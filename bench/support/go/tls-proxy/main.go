// The floor of bench/proxy-overhead.ts: the least an HTTPS reverse proxy can do, so its figures
// say what any TLS-terminating proxy costs on this machine, apart from what Caddy adds. It ends
// TLS with a P-256 certificate it makes itself (the cheapest signature for handshakes) and
// forwards each request over a keep-alive pool to one upstream with the standard library's
// ReverseProxy: no routing, matchers, logs, metrics or header rewriting. It writes its
// certificate's PEM to -cert so the load generator can trust it.
// Standard library only; built static by the bench.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"math/big"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"
)

func fail(err error) {
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(1)
}

func selfSigned(host string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	template := x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve HTTPS on")
	upstream := flag.String("upstream", "", "URL of the replica")
	host := flag.String("host", "", "name the certificate is for")
	certOut := flag.String("cert", "", "file to write the certificate's PEM to")
	flag.Parse()
	target, err := url.Parse(*upstream)
	if err != nil {
		fail(err)
	}
	certificate, certPem, err := selfSigned(*host)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*certOut, certPem, 0o644); err != nil {
		fail(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	server := &http.Server{Addr: *listen, Handler: proxy, TLSConfig: &tls.Config{Certificates: []tls.Certificate{certificate}}}
	if err := server.ListenAndServeTLS("", ""); err != nil {
		fail(err)
	}
}
