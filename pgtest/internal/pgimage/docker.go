package pgimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ory/dockertest/v3/docker"
)

// findImage returns the engine's image named image ("repo:tag"), or nil.
func findImage(ctx context.Context, client *docker.Client, image string) (*docker.APIImages, error) {
	images, err := client.ListImages(docker.ListImagesOptions{
		Filters: map[string][]string{"reference": {image}},
		Context: ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("pgimage: list images %s: %w", image, err)
	}
	for i := range images {
		for _, t := range images[i].RepoTags {
			if t == image {
				return &images[i], nil
			}
		}
	}
	return nil, nil
}

// errContextSent ends the context writer when the engine stopped reading.
var errContextSent = errors.New("build request ended")

// build streams the build context to the engine and builds image with the
// classic builder (FROM scratch: nothing is pulled). noCache makes every
// step run again rather than reuse layers of earlier builds.
func build(ctx context.Context, client *docker.Client, image string, files *fileSet, dockerfile string, noCache bool, log io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()

	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		writeErr = writeContext(pw, files, dockerfile)
		pw.CloseWithError(writeErr) // nil: EOF
	}()

	out := &tailWriter{max: 8 << 10}
	var w io.Writer = out
	if log != nil {
		w = io.MultiWriter(out, log)
	}
	err := client.BuildImage(docker.BuildImageOptions{
		Name:                image,
		InputStream:         pr,
		OutputStream:        w,
		NoCache:             noCache,
		RmTmpContainer:      true,
		ForceRmTmpContainer: true,
		Version:             "1", // the classic builder: BuildKit may be unavailable
		Context:             ctx,
	})
	pr.CloseWithError(errContextSent)
	wg.Wait()

	if writeErr != nil && !errors.Is(writeErr, errContextSent) {
		return fmt.Errorf("pgimage: build %s: write build context: %w", image, writeErr)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
		}
		msg := fmt.Sprintf("pgimage: build %s: %%w", image)
		if t := strings.TrimSpace(out.String()); t != "" {
			msg += "\nbuild output (end):\n" + t
		}
		return fmt.Errorf(msg, err)
	}
	return nil
}

// removeDangling removes the images of earlier builds that rebuilds left
// without a tag (dangling, with LabelImage). One that a container still
// uses stays; that is only logged.
func removeDangling(ctx context.Context, client *docker.Client, logf func(string, ...any)) {
	images, err := client.ListImages(docker.ListImagesOptions{
		Filters: map[string][]string{"dangling": {"true"}, "label": {LabelImage + "=local"}},
		Context: ctx,
	})
	if err != nil {
		logf("warning: list replaced images: %v", err)
		return
	}
	for _, im := range images {
		if err := client.RemoveImageExtended(im.ID, docker.RemoveImageOptions{Context: ctx}); err != nil {
			logf("kept the replaced image %s: %v", shortID(im.ID), err)
			continue
		}
		logf("removed the replaced image %s", shortID(im.ID))
	}
}

func shortID(id string) string {
	return shortHash(strings.TrimPrefix(id, "sha256:"))
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
