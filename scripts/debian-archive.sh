# Sourced by the project's scripts: a private apt configuration that reads
# one Debian suite (source and binary entries) without touching the
# system's apt sources.  Everything lives in ${XDG_CACHE_HOME:-~/.cache}.
#   . scripts/debian-archive.sh
#   deb_archive_init SUITE [ARCH...]   sets DEB_APT_OPTS, runs apt-get update
#   deb_archive_download DIR PKG...    binary packages into DIR
#   deb_archive_source DIR PKG         source package (download only) into DIR
#   deb_archive_version PKG            candidate version of binary PKG
#   deb_archive_source_version PKG     version of source PKG in the suite

deb_archive_init() {
	_suite=$1
	shift
	_arches=${*:-$(dpkg --print-architecture)}
	DEB_ARCHIVE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/libcxlemu/apt-$_suite-$(echo "$_arches" | tr ' ' '-')
	mkdir -p "$DEB_ARCHIVE_DIR/lists/partial" "$DEB_ARCHIVE_DIR/sources.d" \
		"$DEB_ARCHIVE_DIR/cache/archives/partial" "$DEB_ARCHIVE_DIR/status.d"
	cat > "$DEB_ARCHIVE_DIR/sources.d/$_suite.sources" <<EOS
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: $_suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	: > "$DEB_ARCHIVE_DIR/status.d/status"
	_alist=""
	_first=""
	for _a in $_arches; do
		[ -n "$_first" ] || _first=$_a
		_alist="$_alist -o APT::Architectures::=$_a"
	done
	DEB_APT_OPTS="-o Dir::Etc::sourcelist=/dev/null \
		-o Dir::Etc::sourceparts=$DEB_ARCHIVE_DIR/sources.d \
		-o Dir::State::lists=$DEB_ARCHIVE_DIR/lists \
		-o Dir::State::status=$DEB_ARCHIVE_DIR/status.d/status \
		-o Dir::Cache=$DEB_ARCHIVE_DIR/cache \
		-o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root -o APT::Architecture=$_first $_alist"
	# One update a day is plenty: the lists are kept in the cache.
	if [ -z "$(find "$DEB_ARCHIVE_DIR/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
		# shellcheck disable=SC2086
		apt-get -qq $DEB_APT_OPTS update || {
			echo "error: cannot read Debian $_suite's package lists (network or archive down?)" >&2
			return 1
		}
	fi
}

deb_archive_version() {
	# shellcheck disable=SC2086
	apt-cache $DEB_APT_OPTS policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p'
}

deb_archive_source_version() {
	# shellcheck disable=SC2086
	apt-cache $DEB_APT_OPTS showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}

deb_archive_download() {
	_dir=$1
	shift
	mkdir -p "$_dir"
	# shellcheck disable=SC2086
	(cd "$_dir" && apt-get -qq $DEB_APT_OPTS download "$@")
}

deb_archive_source() {
	mkdir -p "$1"
	# shellcheck disable=SC2086
	(cd "$1" && apt-get -qq $DEB_APT_OPTS source --download-only "$2")
}
