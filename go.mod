module github.com/pgmoon-go/pgmoon

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	github.com/xdg-go/scram v1.4.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/xdg-go/stringprep v1.0.4 // indirect
	golang.org/x/text v0.3.8 // indirect
)
