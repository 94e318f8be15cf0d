package pgtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSelectBackend(t *testing.T) {
	ok := func() error { return nil }
	noLocal := func() error { return errors.New("no initdb here") }
	noDocker := func() error { return errors.New("engine does not answer") }
	mustNotCall := func() error { t.Error("availability probed although the choice was explicit"); return nil }
	tests := []struct {
		name string
		c    choice
		want string // backend type, or an error prefix
	}{
		{"WithLocal beats everything", choice{local: true, dsn: "host=db", backend: "docker", binDir: "/x", localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest.localBackend"},
		{"WithLocal and WithDocker", choice{local: true, docker: &Docker{}, localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest: WithLocal and WithDocker ask for different backends"},
		{"dsn beats everything else", choice{dsn: "host=db", backend: "docker", docker: &Docker{}, binDir: "/x", localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest.externalBackend"},
		{"WithDocker beats the env backend", choice{backend: "local", docker: &Docker{Image: "x"}, localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest.dockerBackend"},
		{"env local", choice{backend: "local", localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest.localBackend"},
		{"env docker", choice{backend: "docker", localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest.dockerBackend"},
		{"env docker beats WithBinDir", choice{backend: "docker", binDir: "/x", localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest.dockerBackend"},
		{"WithBinDir means local", choice{binDir: "/x", localErr: mustNotCall, dockerErr: mustNotCall}, "pgtest.localBackend"},
		{"unknown env backend", choice{backend: "podman", localErr: mustNotCall, dockerErr: mustNotCall}, `pgtest: PGMOON_TEST_BACKEND="podman": unknown backend (want local or docker)`},
		{"local binaries first", choice{localErr: ok, dockerErr: mustNotCall}, "pgtest.localBackend"},
		{"then Docker", choice{localErr: noLocal, dockerErr: ok}, "pgtest.dockerBackend"},
		{"neither", choice{localErr: noLocal, dockerErr: noDocker}, "pgtest: no way to start a PostgreSQL server here:\n\tlocal binaries: no initdb here\n\tDocker: engine does not answer\nInstall the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql"},
		{"neither, with a version", choice{version: "13", localErr: noLocal, dockerErr: noDocker}, "pgtest: no way to start PostgreSQL 13 here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := selectBackend(tt.c)
			got := fmt.Sprintf("%T", b)
			if err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("selectBackend = %q, want %q", got, tt.want)
			}
			if strings.HasPrefix(tt.want, "pgtest: no way") {
				for _, hint := range []string{"apt-get install postgresql", "install and start Docker", "PGMOON_TEST_DSN"} {
					if !strings.Contains(got, hint) {
						t.Errorf("the error does not say %q: %q", hint, got)
					}
				}
			}
		})
	}
}

func TestSplitImage(t *testing.T) {
	for _, tc := range []struct{ in, repo, tag string }{
		{"postgres", "postgres", ""},
		{"postgres:17", "postgres", "17"},
		{"postgres:16-alpine", "postgres", "16-alpine"},
		{"registry.local:5000/lib/postgres", "registry.local:5000/lib/postgres", ""},
		{"registry.local:5000/lib/postgres:15", "registry.local:5000/lib/postgres", "15"},
	} {
		repo, tag := splitImage(tc.in)
		if repo != tc.repo || tag != tc.tag {
			t.Errorf("splitImage(%q) = %q, %q; want %q, %q", tc.in, repo, tag, tc.repo, tc.tag)
		}
	}
}

func TestMajorString(t *testing.T) {
	for num, want := range map[int]string{150018: "15", 170002: "17", 100000: "10", 90624: "9.6"} {
		if got := majorString(num); got != want {
			t.Errorf("majorString(%d) = %q, want %q", num, got, want)
		}
	}
}
