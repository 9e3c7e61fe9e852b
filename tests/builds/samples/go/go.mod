module example.com/sample

go {{GO_VERSION}}
