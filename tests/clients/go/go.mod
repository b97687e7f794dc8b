// The go-github suite, built offline against Debian's packaged Go libraries
// (golang-github-google-go-github-dev, go-github v48): every module the build
// needs is replaced by its directory under /usr/share/gocode, so that nothing
// is downloaded and nothing is written here (see ../gogithub.rs).
module ghes-mock/clients/gogithub

go 1.19

require github.com/google/go-github/v48 v48.1.0

require (
	github.com/google/go-querystring v1.1.0 // indirect
	golang.org/x/crypto v0.4.0 // indirect
)

replace (
	github.com/google/go-cmp => /usr/share/gocode/src/github.com/google/go-cmp
	github.com/google/go-github/v48 => /usr/share/gocode/src/github.com/google/go-github
	github.com/google/go-querystring => /usr/share/gocode/src/github.com/google/go-querystring
	golang.org/x/crypto => /usr/share/gocode/src/golang.org/x/crypto
)
