# TODOD_UNITDIR(KIND, WHAT): --with-systemdKINDunitdir=DIR, the directory
# for WHAT (KIND is system or user), substituted as systemdKINDunitdir.
#
# The unit goes under the prefix, where systemd also looks
# (/usr/local/lib/systemd/KIND for the default prefix), so that an install
# never writes outside its prefix; with --prefix=/usr, where systemd's own
# pkg-config file says (on Debian 12, whose systemd.pc ignores a
# redefined prefix, /lib/systemd/system and /usr/lib/systemd/user).
AC_DEFUN([TODOD_UNITDIR], [
AC_ARG_WITH([systemd$1unitdir],
  [AS_HELP_STRING([--with-systemd$1unitdir=DIR],
    [directory for $2 (default: PREFIX/lib/systemd/$1; pkg-config's with --prefix=/usr)])],
  [], [with_systemd$1unitdir=auto])
AS_IF([test "x$with_systemd$1unitdir" = xauto],
  [with_systemd$1unitdir='${prefix}/lib/systemd/$1'
   AS_IF([test "x$prefix" = x/usr],
     [unitdir=`$PKG_CONFIG --variable=systemd$1unitdir systemd 2>/dev/null`
      AS_IF([test "x$unitdir" != x], [with_systemd$1unitdir=$unitdir])])])
AC_SUBST([systemd$1unitdir], [$with_systemd$1unitdir])
])
