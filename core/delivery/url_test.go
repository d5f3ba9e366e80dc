package delivery

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/"))
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/auditdeck", true},
		{"http://example.com", true},
		{"HTTPS://Example.com/x", true},
		{"https://example.com:8443/hook?token=abc", true},
		{"http://127.0.0.1:9000/hook", true}, // loopback allowed by design
		{"http://localhost/hook", true},
		{"http://[::1]:8080/hook", true},
		{"http://10.0.0.5/hook", true}, // private ranges allowed by design
		{"http://192.168.1.20:8080/hook", true},
		{"http://169.254.169.254/", true},
		{"https://example.com/path#frag", true},
		{long, true},

		{"", false},
		{long + "a", false},
		{"ftp://example.com/hook", false},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"gopher://example.com", false},
		{"example.com/hook", false},
		{"/relative/hook", false},
		{"//example.com/hook", false},
		{"https://", false},
		{"https:///path", false},
		{"http:example.com", false},
		{"https://user:pass@example.com/hook", false},
		{"https://user@example.com/hook", false},
		{"https://:pass@example.com/", false},
		{"https://example.com:0/", false},
		{"https://example.com:65536/", false},
		{"https://example.com:/", false},
		{"https://example.com:abc/", false},
		{"https://:443/", false},
		{" https://example.com/", false},
		{"https://example.com/\n", false},
		{"https://exa mple.com/", false},
		{"https://example.com/\x00", false},
	} {
		err := ValidateURL(tc.url)
		if tc.ok && err != nil {
			t.Errorf("ValidateURL(%q) = %v, want ok", tc.url, err)
		}
		if !tc.ok {
			if err == nil {
				t.Errorf("ValidateURL(%q) accepted", tc.url)
			} else if !errors.Is(err, ErrInvalidURL) {
				t.Errorf("ValidateURL(%q) = %v, not ErrInvalidURL", tc.url, err)
			}
		}
	}
}
