#!/usr/bin/perl
# Compares the statements a server ran (PostgreSQL log lines with log_statement = 'all') with
# the statements of a pgbench file, by shape: lower case, identifiers unquoted, every parameter,
# pgbench variable, literal and cast removed, and expressions of parameters only (`md5(:a || :b)`,
# `gen_random_uuid()`) folded to one parameter. Connection set-up (SET, SHOW, `SELECT 1`, type
# look-ups in pg_catalog) is left out.
#
# The file says how to compare in a line `-- bench-check: same` (the same statements in the same
# order) or `-- bench-check: contains` (its statements appear, in order, among the server's).
#
# Usage: statement-shapes.pl DATABASE LOG_EXCERPT SQL_FILE — prints the verdict, a warning and
# both lists when they differ. Exits 0 either way (1 only when it cannot read its input).
use strict;
use warnings;
use File::Temp ();

my ($database, $log_file, $sql_file) = @ARGV;
die "usage: $0 DATABASE LOG_EXCERPT SQL_FILE\n" unless defined $sql_file;

my %keywords = map { $_ => 1 } qw(values in any all exists and or not on where select from when then else);

sub shape {
    my ($s) = @_;
    $s = lc $s;
    $s =~ s/'(?:[^']|'')*'/?/g;                    # string literals
    $s =~ s/"//g;                                  # quoted identifiers
    $s =~ s/::\s*[a-z_][a-z0-9_]*(?:\[\])?//g;     # casts
    $s =~ s/\$\d+/?/g;                             # server parameters
    $s =~ s/(?<![:\w]):[a-z_]\w*/?/g;              # pgbench variables
    $s =~ s/(?<![\w?])\d+(?:\.\d+)?(?![\w])/?/g;   # numbers
    $s =~ s/\s+/ /g;
    $s =~ s/\s*([(),])\s*/$1/g;
    $s =~ s/^ | $//g;
    $s =~ s/;$//;
    my $changed = 1;
    while ($changed) {
        $changed = 0;
        $changed = 1 if $s =~ s/\?\s*(?:\|\||[-+*\/])\s*\?/?/g;
        $changed = 1 if $s =~ s/(?<![a-z0-9_])\(\?\)/?/g;
        $changed = 1 if $s =~ s/\barray\[\?(?:,\?)*\]/?/g;
        while ($s =~ /\b([a-z_][a-z0-9_]*)\((?:\?(?:,\?)*)?\)/g) {
            my ($name, $start, $end) = ($1, $-[0], $+[0]);
            next if $keywords{$name};
            substr($s, $start, $end - $start) = '?';
            $changed = 1;
            last;
        }
    }
    $s =~ s/\?(?=[a-z])/? /g;
    $s =~ s/(?<=[a-z])\?/ ?/g;
    return $s;
}

sub ignored {
    my ($s) = @_;
    return 1 if $s =~ /^(?:set|show|reset|discard) /;
    return 1 if $s =~ /^select \?$/;
    return 1 if $s =~ /\bpg_(?:type|namespace|catalog)\b/;
    return 0;
}

# The server's statements.
open my $log, '<', $log_file or die "cannot read $log_file: $!\n";
my @lines = <$log>;
close $log;
my $filter = grep { /\@\Q$database\E\b/ && /LOG:\s+(?:statement|execute)/ } @lines;
my @server;
my $current;
for my $line (@lines) {
    chomp $line;
    if ($line =~ /^\t(.*)$/) {
        $current .= " $1" if defined $current;
        next;
    }
    push @server, $current if defined $current;
    undef $current;
    next if $filter && $line !~ /\@\Q$database\E\b/;
    if ($line =~ /LOG:\s+(?:statement|execute [^:]+):\s*(.*)$/) {
        $current = $1;
    }
}
push @server, $current if defined $current;
@server = grep { !ignored($_) } map { shape($_) } @server;

# The file's statements.
open my $sql, '<', $sql_file or die "cannot read $sql_file: $!\n";
my $mode = 'same';
my $text = '';
while (my $line = <$sql>) {
    $mode = $1 if $line =~ /^--\s*bench-check:\s*(\w+)/;
    next if $line =~ /^\s*\\/;
    $line =~ s/--.*$//;
    $text .= $line;
}
close $sql;
my @file = grep { length } map { shape($_) } split /;\s*(?:\n|$)/, $text;

my $same;
if ($mode eq 'contains') {
    my $i = 0;
    for my $s (@server) {
        $i++ if $i < @file && $s eq $file[$i];
    }
    $same = $i == @file;
} else {
    $same = "@server" eq "@file" && @server == @file;
}

if (!@server) {
    print "  WARNING: no statements of $database found in the log: $sql_file not checked\n";
} elsif ($same) {
    printf "  statement shapes: %s matches the server (check: %s; %d of its statements, %d run by the server)\n", $sql_file, $mode, scalar @file, scalar @server;
} else {
    print "  WARNING: $sql_file does not match what the server ran (check: $mode); update it.\n";
    print "  Statement shapes, the file's (-) against the server's (+):\n";
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    for (['file', \@file], ['server', \@server]) {
        open my $out, '>', "$dir/$_->[0]" or die "cannot write: $!\n";
        print $out "$_\n" for @{ $_->[1] };
        close $out;
    }
    my $diff = `diff -U 1 --label '$sql_file' --label 'the server' '$dir/file' '$dir/server'`;
    $diff =~ s/^/    /mg;
    print $diff;
}
exit 0;
