package main

// Just-in-time runners (GHES 3.10+) in every scope, through the raw-request
// API (go-github v48 has no GenerateOrgJITConfig), and started through the
// control API as `run.sh --jitconfig` would.

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v48/github"
)

// jitConfig is the 201 body of generate-jitconfig.
type jitConfig struct {
	Runner           *runner322 `json:"runner"`
	EncodedJITConfig string     `json:"encoded_jit_config"`
}

// jitFiles decodes encoded_jit_config: base64 of a JSON object mapping the
// runner's file names to their base64 contents.
func jitFiles(encoded string) map[string][]byte {
	text, err := base64.StdEncoding.DecodeString(encoded)
	must(err, "base64 of encoded_jit_config")
	var files map[string]string
	must(json.Unmarshal(text, &files), fmt.Sprintf("encoded_jit_config is not a JSON object of strings: %s", text))
	out := map[string][]byte{}
	for name, content := range files {
		decoded, err := base64.StdEncoding.DecodeString(content)
		must(err, "base64 of "+name)
		out[name] = decoded
	}
	return out
}

// jsonObject parses a file of the runner as a JSON object whose keys are
// compared case-insensitively (as the runner, a .NET program, reads them):
// the keys come back lower-cased.
func jsonObject(name string, content []byte) map[string]any {
	decoder := json.NewDecoder(strings.NewReader(string(content)))
	decoder.UseNumber()
	var object map[string]any
	must(decoder.Decode(&object), fmt.Sprintf("%s is not a JSON object: %s", name, content))
	lower := map[string]any{}
	for key, value := range object {
		lower[strings.ToLower(key)] = value
	}
	return lower
}

// text is a JSON value as the runner reads a setting: strings as they are,
// numbers and booleans written out.
func text(value any) string {
	switch v := value.(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// rsaKey rebuilds the private key of .credentials_rsaparams (the runner's
// RSAParametersSerializable: base64 big-endian d, dp, dq, exponent,
// inverseQ, modulus, p, q) and checks that its parts agree.
func rsaKey(params map[string]any) *rsa.PrivateKey {
	number := func(name string) *big.Int {
		value, ok := params[strings.ToLower(name)].(string)
		truth(ok && value != "", "%s is missing from .credentials_rsaparams", name)
		bytes, err := base64.StdEncoding.DecodeString(value)
		must(err, "base64 of "+name)
		return new(big.Int).SetBytes(bytes)
	}
	exponent := number("exponent")
	truth(exponent.IsInt64() && exponent.Int64() > 1 && exponent.Int64() < 1<<31, "exponent %s", exponent)
	key := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: number("modulus"), E: int(exponent.Int64())},
		D:         number("d"),
		Primes:    []*big.Int{number("p"), number("q")},
	}
	must(key.Validate(), "rsa.PrivateKey.Validate")
	key.Precompute()
	truth(key.Precomputed.Dp.Cmp(number("dp")) == 0, "dp is not d mod (p-1)")
	truth(key.Precomputed.Dq.Cmp(number("dq")) == 0, "dq is not d mod (q-1)")
	truth(key.Precomputed.Qinv.Cmp(number("inverseQ")) == 0, "inverseQ is not q⁻¹ mod p")
	return key
}

func jit(s scope) {
	n := s.name + " jit"
	name := s.name + "-jit"
	generate := s.path + "/actions/runners/generate-jitconfig"
	request := func(name string, group int64, labels []string) (*jitConfig, *github.Response, error) {
		config := new(jitConfig)
		resp, err := raw("POST", generate, map[string]any{"name": name, "runner_group_id": group, "labels": labels}, config)
		return config, resp, err
	}
	var config *jitConfig
	var files map[string][]byte

	check(n+": generate-jitconfig answers 201 {runner, encoded_jit_config}: offline, ephemeral, with the labels", func() {
		got, resp, err := request(name, 1, []string{"jit", "Jit-Only"})
		must(err, "POST "+generate)
		status(resp, http.StatusCreated, "generate-jitconfig")
		r := got.Runner
		truth(r != nil && r.GetID() > 0, "no runner: %s", show(got))
		equal(r.GetName(), name, "name")
		equal(r.GetStatus(), "offline", "status")
		equal(r.GetBusy(), false, "busy")
		equal(r.GetOS(), "unknown", "os")
		truth(r.Ephemeral != nil && *r.Ephemeral, "ephemeral: %s", show(r))
		truth(r.RunnerGroupID != nil && *r.RunnerGroupID == 1, "runner_group_id: %s", show(r))
		var custom []string
		for _, label := range r.Labels {
			if label.GetType() == "custom" {
				custom = append(custom, label.GetName())
			}
		}
		sort.Strings(custom)
		deepEqual(custom, []string{"Jit-Only", "jit"}, "custom labels")
		truth(got.EncodedJITConfig != "", "empty encoded_jit_config")
		config = got
	})

	check(n+": encoded_jit_config holds the runner's .runner, .credentials and .credentials_rsaparams", func() {
		earlier(config != nil)
		files = jitFiles(config.EncodedJITConfig)
		var names []string
		for file := range files {
			names = append(names, file)
		}
		sort.Strings(names)
		deepEqual(names, []string{".credentials", ".credentials_rsaparams", ".runner"}, "files")
		settings := jsonObject(".runner", files[".runner"])
		for _, key := range []string{"AgentId", "AgentName", "PoolId", "PoolName", "ServerUrl", "GitHubUrl", "WorkFolder", "Ephemeral"} {
			_, ok := settings[strings.ToLower(key)]
			truth(ok, ".runner has no %s: %s", key, files[".runner"])
		}
		equal(text(settings["agentid"]), strconv.FormatInt(config.Runner.GetID(), 10), ".runner AgentId")
		equal(text(settings["agentname"]), name, ".runner AgentName")
		equal(text(settings["workfolder"]), "_work", ".runner WorkFolder (the default)")
		equal(strings.ToLower(text(settings["ephemeral"])), "true", ".runner Ephemeral")
		truth(strings.HasPrefix(text(settings["serverurl"]), "http"), ".runner ServerUrl %q", text(settings["serverurl"]))
	})

	check(n+": .credentials holds OAuth settings", func() {
		earlier(files != nil)
		credentials := jsonObject(".credentials", files[".credentials"])
		equal(text(credentials["scheme"]), "OAuth", ".credentials scheme")
		data, ok := credentials["data"].(map[string]any)
		truth(ok, ".credentials has no data object: %s", files[".credentials"])
		lower := map[string]string{}
		for key, value := range data {
			lower[strings.ToLower(key)] = text(value)
		}
		truth(lower["clientid"] != "", ".credentials data has no clientId: %s", files[".credentials"])
		truth(strings.HasPrefix(lower["authorizationurl"], "http"), ".credentials data authorizationUrl: %s", files[".credentials"])
	})

	check(n+": .credentials_rsaparams is a valid *rsa.PrivateKey that signs", func() {
		earlier(files != nil)
		key := rsaKey(jsonObject(".credentials_rsaparams", files[".credentials_rsaparams"]))
		digest := sha256.Sum256([]byte("ghes-mock"))
		signature, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
		must(err, "sign")
		must(rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], signature), "verify")
	})

	check(n+": the runner is there, offline and ephemeral, before it starts", func() {
		earlier(config != nil)
		got, resp, err := s.get(config.Runner.GetID())
		must(err, "get")
		status(resp, http.StatusOK, "get")
		equal(got.GetName(), name, "name")
		equal(got.GetStatus(), "offline", "status")
		full := s.getRunner322(config.Runner.GetID())
		truth(full.Ephemeral != nil && *full.Ephemeral, "ephemeral: %s", show(full))
	})

	check(n+": POST /_mock/runners/jit starts it: online", func() {
		earlier(config != nil)
		started := new(runner322)
		control("POST", "/runners/jit", map[string]any{"encoded_jit_config": config.EncodedJITConfig}, http.StatusOK, started)
		equal(started.GetID(), config.Runner.GetID(), "id")
		equal(started.GetStatus(), "online", "status")
		got, _, err := s.get(config.Runner.GetID())
		must(err, "get")
		equal(got.GetStatus(), "online", "status read back")
		equal(got.GetBusy(), false, "busy")
	})

	check(n+": a config starts its runner once: the second start is 409", func() {
		earlier(config != nil)
		control("POST", "/runners/jit", map[string]any{"encoded_jit_config": config.EncodedJITConfig}, http.StatusConflict, nil)
	})

	check(n+": the same name again is an *github.ErrorResponse 409", func() {
		_, resp, err := request(name, 1, []string{"jit"})
		wantError(err, http.StatusConflict, "")
		status(resp, http.StatusConflict, "generate-jitconfig")
	})

	check(n+": an unknown runner group is an *github.ErrorResponse 404", func() {
		_, _, err := request(name+"-nogroup", 999999, []string{"jit"})
		wantError(err, http.StatusNotFound, "")
	})

	check(n+": no labels is an *github.ErrorResponse 422", func() {
		_, _, err := request(name+"-nolabels", 1, []string{})
		wantError(err, http.StatusUnprocessableEntity, "")
	})
}
