#!/usr/bin/env bash
# check-layers.sh — checks the #include graph and the "no OS below the port layer" rules of
# docs/ARCHITECTURE.md §1 (DESIGN.md §1). Prints each offending line as file:line: rule: text and
# exits 1; prints nothing and exits 0 when the tree is clean.
#
#   src/wire              includes only its own headers and <stdint.h> <stddef.h> <stdbool.h>
#                         <string.h>
#   src/tcp, src/ip       never include drivers/ or tools/ headers
#   src/ (not src/port)   no OS headers (sys/*, time.h, pthread.h, unistd.h, stdio.h, stdlib.h …)
#                         and no calls to malloc/free/rand/clock_gettime/printf and friends
#   drivers/, tools/      include "weir/…" public headers, drivers/ headers and their own
#                         directory's headers only — never src/ internals
#
# Comments and string literals are ignored, so a comment saying "we never call malloc" is fine.
set -euo pipefail
cd "$(dirname "$0")/.."

exec perl -e '
use strict;
use warnings;
use File::Basename qw(basename dirname);
use File::Find;

my @files;
find({ no_chdir => 1, wanted => sub {
    push @files, $File::Find::name if /\.[ch]$/ && -f $_;
} }, grep { -d } qw(src drivers tools));
@files = sort @files;

# Headers that exist, by directory, to resolve quoted includes.
my %exists = map { $_ => 1 } @files;
my %driver_header = map { basename($_) => 1 } grep { m{^drivers/.*\.h$} } @files;

my %wire_libc = map { $_ => 1 } qw(stdint.h stddef.h stdbool.h string.h);
my $os_header = qr{^(?:sys/|netinet/|arpa/|linux/|net/)|
                   ^(?:time|pthread|threads|unistd|stdio|stdlib|fcntl|signal|poll|dirent|termios|
                      dlfcn|sched|semaphore|syslog|netdb|ifaddrs)\.h$}x;
my $os_call = qr{(?<![\w.>])(malloc|calloc|realloc|free|aligned_alloc|rand|srand|random|
                 getrandom|clock_gettime|gettimeofday|time|sleep|usleep|nanosleep|printf|fprintf|
                 vprintf|vfprintf|puts|fputs|putchar|perror|abort|exit)\s*\(}x;

# "a/b/../c" -> "a/c"
sub normalize {
    my @out;
    for my $part (split m{/}, shift) {
        next if $part eq "." || $part eq "";
        if ($part eq "..") { pop @out; } else { push @out, $part; }
    }
    return join "/", @out;
}

my $bad = 0;
sub report { my ($f, $n, $rule, $text) = @_; $text =~ s/^\s+|\s+$//g;
             print "$f:$n: $rule: $text\n"; $bad = 1; }

for my $f (@files) {
    open(my $fh, "<", $f) or die "$f: $!";
    my @lines = <$fh>;
    close $fh;
    # Blank out comments and the insides of string/char literals, keeping line numbers; include
    # paths are then read from the original line.
    my $src = join("", @lines);
    $src =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)}{
        my $m = $1;
        if ($m =~ m{^/}) { (my $k = $m) =~ s/[^\n]/ /g; $k }
        else { (my $k = $m) =~ s/(?<=.)[^\n](?=.)/ /gs; $k }
    }gse;
    my @code = split(/\n/, $src, -1);
    my $dir = dirname($f);
    my $in_src = $f =~ m{^src/};
    my $in_port = $f =~ m{^src/port/};

    for my $i (0 .. $#code) {
        my $n = $i + 1;
        my $line = $code[$i];
        my $orig = $lines[$i] // "";
        if ($line =~ /^\s*#\s*include\b/ && $orig =~ /^\s*#\s*include\s*([<"])([^>"]+)[>"]/) {
            my ($kind, $path) = ($1, $2);
            if ($f =~ m{^src/wire/}) {
                my $ok = $kind eq "<" ? $wire_libc{$path}
                       : ($path =~ m{^wire/([^/]+)$} && $exists{"src/wire/$1"})
                         || ($path !~ m{/} && $exists{"src/wire/$path"});
                report($f, $n, "src/wire includes only its own headers and "
                       . "stdint/stddef/stdbool/string", $orig) unless $ok;
            }
            if ($f =~ m{^src/(tcp|ip)/} && $kind eq "\"") {
                my $b = basename($path);
                if ($path =~ m{(^|/)(drivers|tools)/} ||
                    (($driver_header{$b} || $exists{"tools/$b"}) && !$exists{"src/$path"}
                     && !$exists{"$dir/$path"})) {
                    report($f, $n, "src/tcp and src/ip never include drivers/ or tools/", $orig);
                }
            }
            if ($in_src && !$in_port && $kind eq "<" && $path =~ $os_header) {
                report($f, $n, "no OS headers under src/ (only the port layer)", $orig);
            }
            if ($f =~ m{^(drivers|tools)/}) {
                # A relative include is resolved (tools/net/../http/http.h): a tool may use the
                # header of another tool, never one under src/
                my $resolved = normalize("$dir/$path");
                my $ok = $kind eq "<" ? $path !~ m{^(wire|core|tcp|ip|port)/}
                       : $path =~ m{^weir/}
                         || ($exists{$resolved} && $resolved =~ m{^\Q$1\E/})
                         || ($path !~ m{/} && $driver_header{$path});
                report($f, $n, "drivers/ and tools/ use the public API (weir/...) and "
                       . "drivers/ only", $orig) unless $ok;
            }
            next;
        }
        next if $line =~ /^\s*#/;
        if ($in_src && !$in_port && $line =~ $os_call) {
            report($f, $n, "no $1() under src/ (allocator, clock, random and I/O come from "
                   . "the embedder)", $orig);
        }
    }
}
exit $bad;
'
