package pgtest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// Versions lists the PostgreSQL major versions (such as "15", "17") that
// [Start] can provide here with the same options, oldest first, for
// [Matrix]. Which backend is asked follows Start's order: for the local
// backend the installations found, for Docker the major version tags of
// the image's repository present in the engine (postgres and its stand-in
// pgmoon-local/postgres when no image is named), for PGMOON_TEST_DSN its
// server's version. Versions does not pull images.
func Versions(ctx context.Context, opts ...Option) ([]string, error) {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	o.version = "" // any
	b, err := selectBackend(choiceFor(ctx, o))
	if err != nil {
		return nil, err
	}
	var vs []string
	switch b := b.(type) {
	case externalBackend:
		num, err := queryValue(ctx, b.dsn, "SHOW server_version_num")
		if err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvDSN, err)
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("pgtest: %s: server_version_num is %q", EnvDSN, num)
		}
		vs = []string{majorString(n)}
	case localBackend:
		if o.binDir != "" {
			bins, err := pgbin.Find(ctx, o.binDir)
			if err != nil {
				return nil, fmt.Errorf("pgtest: %w", err)
			}
			v, err := pgbin.MajorVersion(ctx, bins.Postgres)
			if err != nil {
				return nil, fmt.Errorf("pgtest: %w", err)
			}
			vs = []string{v}
			break
		}
		for v := range pgbin.Installed(ctx) {
			vs = append(vs, v)
		}
	case dockerBackend:
		pool, err := newPool(ctx, b.d.Endpoint)
		if err != nil {
			return nil, err
		}
		_, repos := imageRepos(b.d.Image)
		tags, err := localTags(ctx, pool.Client)
		if err != nil {
			return nil, fmt.Errorf("pgtest: docker: list images: %w", err)
		}
		for ref := range tags {
			repo, tag := splitImage(ref)
			if slices.Contains(repos, repo) && isMajorVersion(tag) && !slices.Contains(vs, tag) {
				vs = append(vs, tag)
			}
		}
	}
	slices.SortFunc(vs, compareVersions)
	return vs, nil
}

// isMajorVersion reports whether tag is a major version: "15", "9.6".
func isMajorVersion(tag string) bool {
	major, minor, dotted := strings.Cut(tag, ".")
	if _, err := strconv.Atoi(major); err != nil {
		return false
	}
	if dotted {
		n, _ := strconv.Atoi(major)
		_, err := strconv.Atoi(minor)
		return err == nil && n < 10
	}
	return true
}

// compareVersions orders "9.6" < "10" < "15".
func compareVersions(a, b string) int {
	return slices.Compare(versionParts(a), versionParts(b))
}

func versionParts(v string) []int {
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}

// matrixStartTimeout bounds each version's Start in Matrix.
const matrixStartTimeout = 3 * time.Minute

// Matrix runs fn in one subtest per major version, named "pg15" and so on,
// against a server of that version that [Start] provides with opts and
// [WithVersion]; the server is closed when the subtest ends. Versions run
// one after another. A version that cannot be started fails its subtest
// with Start's error, which says what is missing; pass the result of
// [Versions] to run exactly the versions available here:
//
//	func TestAcrossVersions(t *testing.T) {
//		versions, err := pgtest.Versions(t.Context())
//		if err != nil {
//			t.Fatal(err)
//		}
//		pgtest.Matrix(t, versions, func(t *testing.T, s *pgtest.Server) {
//			conn, err := pgmoon.ConnectString(t.Context(), s.DSN())
//			...
//		})
//	}
//
// With an empty versions, Matrix fails t: a matrix of nothing tests
// nothing.
func Matrix(t *testing.T, versions []string, fn func(t *testing.T, s *Server), opts ...Option) {
	t.Helper()
	if len(versions) == 0 {
		t.Fatal("pgtest: Matrix: no versions to run")
	}
	for _, v := range versions {
		t.Run("pg"+v, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), matrixStartTimeout)
			s, err := Start(ctx, append(slices.Clip(opts), WithVersion(v))...)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			})
			fn(t, s)
		})
	}
}
