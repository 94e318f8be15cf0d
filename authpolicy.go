package pgmoon

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pgmoon-go/pgmoon/auth"
)

// Authentication method names of require_auth (libpq, PostgreSQL 16).
const (
	authPassword    = "password"
	authMD5         = "md5"
	authGSS         = "gss"
	authSSPI        = "sspi"
	authSCRAMSHA256 = "scram-sha-256"
	authNone        = "none"
)

// An authPolicy is what the connection accepts from the server's
// authentication requests: libpq's require_auth and channel_binding.
type authPolicy struct {
	requireAuth    string          // the setting, for messages
	allowed        map[string]bool // methods the server may use; nil: any
	channelBinding string          // auth.ChannelBinding*
}

// parseRequireAuth parses require_auth: a comma-separated list of methods
// (password, md5, gss, sspi, scram-sha-256, none) the server must use one
// of, or, all prefixed with "!", methods it must not use. An empty list
// allows everything.
func parseRequireAuth(s string) (map[string]bool, error) {
	if s == "" {
		return nil, nil
	}
	all := []string{authPassword, authMD5, authGSS, authSSPI, authSCRAMSHA256, authNone}
	seen := map[string]bool{}
	negated := strings.HasPrefix(s, "!")
	for _, item := range strings.Split(s, ",") {
		name, neg := strings.CutPrefix(item, "!")
		if neg != negated {
			if neg {
				return nil, fmt.Errorf("negative require_auth method %q cannot be mixed with non-negative methods", name)
			}
			return nil, fmt.Errorf("require_auth method %q cannot be mixed with negative methods", name)
		}
		if !slices.Contains(all, name) {
			return nil, fmt.Errorf("invalid require_auth value %q: want password, md5, gss, sspi, scram-sha-256 or none, each optionally prefixed with !", item)
		}
		if seen[name] {
			return nil, fmt.Errorf("require_auth method %q is specified more than once", name)
		}
		seen[name] = true
	}
	if !negated {
		return seen, nil
	}
	allowed := map[string]bool{}
	for _, m := range all {
		if !seen[m] {
			allowed[m] = true
		}
	}
	return allowed, nil
}

// newAuthPolicy checks the settings of cfg.
func newAuthPolicy(cfg *Config) (*authPolicy, error) {
	p := &authPolicy{requireAuth: cfg.RequireAuth, channelBinding: cfg.ChannelBinding}
	switch p.channelBinding {
	case "":
		p.channelBinding = auth.ChannelBindingPrefer
	case auth.ChannelBindingDisable, auth.ChannelBindingPrefer, auth.ChannelBindingRequire:
	default:
		return nil, fmt.Errorf("invalid channel_binding %q: want disable, prefer or require", cfg.ChannelBinding)
	}
	var err error
	if p.allowed, err = parseRequireAuth(cfg.RequireAuth); err != nil {
		return nil, err
	}
	return p, nil
}

// errAuthPolicy marks refusals of require_auth and channel_binding.
var errAuthPolicy = errors.New("authentication policy")

// checkRequest is called for each authentication request, before anything
// is sent in answer. method is a require_auth name.
func (p *authPolicy) checkRequest(method, what string) error {
	if p.channelBinding == auth.ChannelBindingRequire && method != authSCRAMSHA256 {
		return fmt.Errorf("%w: channel binding required, but the server requested %s authentication, which cannot bind (%w)",
			auth.ErrChannelBindingRequired, what, errAuthPolicy)
	}
	if p.allowed != nil && !p.allowed[method] {
		return fmt.Errorf("authentication method requirement %q failed: server requested %s authentication (%w)", p.requireAuth, what, errAuthPolicy)
	}
	return nil
}

// checkOK is called at AuthenticationOk. method is the require_auth name of
// the method the server requested ("none" if it requested none), and
// bound says whether a SCRAM exchange with channel binding completed.
func (p *authPolicy) checkOK(method string, bound bool) error {
	if p.channelBinding == auth.ChannelBindingRequire && !bound {
		return fmt.Errorf("%w: channel binding required, but the server authenticated the client without channel binding (%w)",
			auth.ErrChannelBindingRequired, errAuthPolicy)
	}
	if p.allowed != nil && !p.allowed[method] {
		return fmt.Errorf("authentication method requirement %q failed: server did not complete authentication (%w)", p.requireAuth, errAuthPolicy)
	}
	return nil
}

// checkNUL refuses a NUL byte in anything that goes into the startup
// message or the password, before anything is sent: the wire format ends
// strings at NUL, so the server would see something else.
func checkNUL(cfg *Config) error {
	for _, f := range []struct{ name, value string }{
		{"user", cfg.User}, {"database", cfg.Database}, {"application_name", cfg.ApplicationName}, {"password", cfg.Password},
	} {
		if strings.IndexByte(f.value, 0) >= 0 {
			return fmt.Errorf("%s contains a NUL byte", f.name)
		}
	}
	for k, v := range cfg.RuntimeParams {
		if strings.IndexByte(k, 0) >= 0 || strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("startup parameter %q contains a NUL byte", strings.ReplaceAll(k, "\x00", `\x00`))
		}
	}
	return nil
}
