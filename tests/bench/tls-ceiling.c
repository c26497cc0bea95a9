/* tls-ceiling.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The machine's TLS ceiling for the transfer benchmark: gnutls over a loopback TCP connection,
 * cipher forced to AES-128-GCM (TLS 1.3, a throwaway self-signed certificate that the client does
 * not check: the handshake does not matter for bulk throughput). A forked child sends N MiB of zeros; the parent receives and discards them.
 * Not built by meson: transfer-bench compiles it with gcc into its temp dir.
 *
 * Usage: tls-ceiling MIB CERT.pem KEY.pem
 * Prints one line: "<bytes> <seconds> <cipher>" (seconds from the end of the handshake to the
 * last byte received). */

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"
#define CHUNK    (64 * 1024)

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die (const char *what,
     int         code)
{
  fprintf (stderr, "tls-ceiling: %s: %s\n", what, code ? gnutls_strerror (code) : "failed");
  exit (1);
}

static gnutls_session_t
make_session (int      fd,
              unsigned flags)
{
  gnutls_session_t session;
  int ret;

  if ((ret = gnutls_init (&session, flags)) < 0)
    die ("gnutls_init", ret);
  if ((ret = gnutls_priority_set_direct (session, PRIORITY, NULL)) < 0)
    die ("priority", ret);
  gnutls_transport_set_int (session, fd);
  return session;
}

static void
run_sender (int       port,
            long long total)
{
  gnutls_certificate_credentials_t cred;
  gnutls_session_t session;
  struct sockaddr_in addr;
  static char buf[CHUNK];
  long long sent = 0;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int ret;

  memset (&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons (port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("connect", 0);
  gnutls_certificate_allocate_credentials (&cred);
  session = make_session (fd, GNUTLS_CLIENT);
  gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, cred);
  do
    ret = gnutls_handshake (session);
  while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0)
    die ("client handshake", ret);
  while (sent < total)
    {
      size_t n = total - sent < CHUNK ? (size_t) (total - sent) : CHUNK;
      ssize_t w = gnutls_record_send (session, buf, n);

      if (w < 0 && !gnutls_error_is_fatal (w))
        continue;
      if (w < 0)
        die ("send", (int) w);
      sent += w;
    }
  gnutls_bye (session, GNUTLS_SHUT_WR);
  close (fd);
  exit (0);
}

int
main (int   argc,
      char *argv[])
{
  gnutls_certificate_credentials_t cred;
  gnutls_session_t session;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  static char buf[CHUNK];
  long long total, received = 0;
  double start;
  int lfd, fd, ret, status;
  pid_t child;

  if (argc != 4)
    {
      fprintf (stderr, "usage: tls-ceiling MIB CERT.pem KEY.pem\n");
      return 2;
    }
  total = atoll (argv[1]) * 1024 * 1024;
  gnutls_global_init ();
  gnutls_certificate_allocate_credentials (&cred);
  if ((ret = gnutls_certificate_set_x509_key_file (cred, argv[2], argv[3], GNUTLS_X509_FMT_PEM)) < 0)
    die ("certificate", ret);

  lfd = socket (AF_INET, SOCK_STREAM, 0);
  memset (&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (lfd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (lfd, 1) < 0 ||
      getsockname (lfd, (struct sockaddr *) &addr, &len) < 0)
    die ("listen", 0);

  child = fork ();
  if (child == 0)
    {
      close (lfd);
      run_sender (ntohs (addr.sin_port), total);
    }

  fd = accept (lfd, NULL, NULL);
  if (fd < 0)
    die ("accept", 0);
  session = make_session (fd, GNUTLS_SERVER);
  gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, cred);
  do
    ret = gnutls_handshake (session);
  while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0)
    die ("server handshake", ret);

  start = now_s ();
  for (;;)
    {
      ssize_t r = gnutls_record_recv (session, buf, sizeof buf);

      if (r == 0)
        break;
      if (r < 0 && !gnutls_error_is_fatal (r))
        continue;
      if (r < 0)
        die ("recv", (int) r);
      received += r;
    }
  printf ("%lld %.6f %s\n", received, now_s () - start,
          gnutls_cipher_get_name (gnutls_cipher_get (session)));
  waitpid (child, &status, 0);
  return received == total ? 0 : 1;
}
