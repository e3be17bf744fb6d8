// SPDX-License-Identifier: Apache-2.0
/*
 * vcrypto_native: the only native code of vcrypto. It makes the system calls Node lacks and
 * nothing else: memfd_create, mmap/munmap, eventfd, unix sockets with SCM_RIGHTS fd passing,
 * fd readiness through libuv's poll (so it runs on Node's event loop), and AF_ALG sockets for
 * the kernel crypto backend. It knows nothing of virtio, vhost-user or crypto requests; the
 * typed wrappers in device-core/src/os/ are its only caller.
 *
 * Errors are thrown as JS Errors carrying `code` (the errno name) and `errno`; "would block"
 * is never an error: the calls that can block return null or -1 instead, as documented.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define MAX_FDS 32

#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) {                               \
      napi_throw_error((env), NULL, "N-API call failed");  \
      return NULL;                                         \
    }                                                      \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error, errnum;
  const char *name = "EUNKNOWN";
  switch (err) {
    case EACCES: name = "EACCES"; break;
    case EADDRINUSE: name = "EADDRINUSE"; break;
    case EAFNOSUPPORT: name = "EAFNOSUPPORT"; break;
    case EBADF: name = "EBADF"; break;
    case EBADMSG: name = "EBADMSG"; break;
    case ECONNREFUSED: name = "ECONNREFUSED"; break;
    case ECONNRESET: name = "ECONNRESET"; break;
    case EINVAL: name = "EINVAL"; break;
    case EKEYREJECTED: name = "EKEYREJECTED"; break;
    case EMFILE: name = "EMFILE"; break;
    case ENAMETOOLONG: name = "ENAMETOOLONG"; break;
    case ENOENT: name = "ENOENT"; break;
    case ENOMEM: name = "ENOMEM"; break;
    case ENOTSOCK: name = "ENOTSOCK"; break;
    case EOPNOTSUPP: name = "EOPNOTSUPP"; break;
    case EPIPE: name = "EPIPE"; break;
    case EPERM: name = "EPERM"; break;
    case ENOKEY: name = "ENOKEY"; break;
    default: break;
  }
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_set_named_property(env, error, "syscall", message);
  napi_throw(env, error);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "too few arguments");
    return 0;
  }
  return 1;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return 0;
  }
  return 1;
}

static int get_i64(napi_env env, napi_value v, int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return 0;
  }
  return 1;
}

/* Reads a Uint8Array/Buffer argument: pointer and length. */
static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return 0;
  }
  napi_typedarray_type type;
  void *ptr;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return 0;
  }
  *data = ptr;
  return 1;
}

/* Copies a JS string into buf with its NUL; a string of cap bytes or more is refused, not cut. */
static int get_string(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return 0;
  }
  if (len >= cap) {
    napi_throw_range_error(env, NULL, "string too long");
    return 0;
  }
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return 0;
  }
  return 1;
}

static napi_value make_i32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

static napi_value make_null(napi_env env) {
  napi_value r;
  napi_get_null(env, &r);
  return r;
}

/* memfdCreate(name, sizeBytes) -> fd */
static napi_value memfd_create_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char name[64];
  int64_t size;
  if (!get_args(env, info, 2, argv) || !get_string(env, argv[0], name, sizeof name) || !get_i64(env, argv[1], &size))
    return NULL;
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "memfd_create", errno);
  if (ftruncate(fd, (off_t)size) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "ftruncate", e);
  }
  return make_i32(env, fd);
}

/* One mapping handed to JS: the finalizer unmaps it unless munmap() already did. */
typedef struct {
  void *addr;
  size_t len;
  int unmapped;
  int refs; /* the ArrayBuffer and the token each hold one */
} mapping_t;

static void mapping_unref(mapping_t *m) {
  if (--m->refs == 0) free(m);
}

static void unmap_finalizer(napi_env env, void *data, void *hint) {
  mapping_t *m = (mapping_t *)hint;
  if (!m->unmapped) {
    munmap(m->addr, m->len);
    m->unmapped = 1;
  }
  mapping_unref(m);
}

static void token_finalizer(napi_env env, void *data, void *hint) { mapping_unref((mapping_t *)data); }

/*
 * mmap(fd, offsetBytes, lengthBytes) -> ArrayBuffer over a MAP_SHARED read/write mapping.
 * NATIVE: the ArrayBuffer aliases the mapping; munmap() unmaps it at once and detaches the
 * buffer, so later JS access sees length 0 instead of unmapped memory.
 */
static napi_value mmap_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  int64_t off, len;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &fd) || !get_i64(env, argv[1], &off) ||
      !get_i64(env, argv[2], &len))
    return NULL;
  if (len <= 0 || off < 0) return throw_errno(env, "mmap", EINVAL);
  void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
  if (p == MAP_FAILED) return throw_errno(env, "mmap", errno);
  mapping_t *m = calloc(1, sizeof *m);
  if (m == NULL) {
    munmap(p, (size_t)len);
    return throw_errno(env, "mmap", ENOMEM);
  }
  m->addr = p;
  m->len = (size_t)len;
  m->refs = 2;
  napi_value ab, ext;
  if (napi_create_external_arraybuffer(env, p, (size_t)len, unmap_finalizer, m, &ab) != napi_ok) {
    munmap(p, (size_t)len);
    free(m);
    napi_throw_error(env, NULL, "napi_create_external_arraybuffer failed");
    return NULL;
  }
  /* The token lets munmap() find the bookkeeping without trusting the buffer's pointer. */
  napi_create_external(env, m, token_finalizer, NULL, &ext);
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "buffer", ab);
  napi_set_named_property(env, result, "token", ext);
  return result;
}

/* munmap(arrayBuffer, token): unmaps now and detaches the buffer. Idempotent. */
static napi_value munmap_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  mapping_t *m;
  CHECK(env, napi_get_value_external(env, argv[1], (void **)&m));
  if (m->unmapped) return NULL;
  /* Detach before unmapping so no JS view can reach the range once it is gone. */
  CHECK(env, napi_detach_arraybuffer(env, argv[0]));
  /* Detaching may already have run the buffer's finalizer (which unmaps): never unmap twice. */
  if (!m->unmapped) {
    m->unmapped = 1;
    if (munmap(m->addr, m->len) < 0) return throw_errno(env, "munmap", errno);
  }
  return NULL;
}

/* eventfdCreate(initval) -> fd (non-blocking, close-on-exec) */
static napi_value eventfd_create_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t init = 0;
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1 && !get_i32(env, argv[0], &init)) return NULL;
  int fd = eventfd((unsigned)init, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "eventfd", errno);
  return make_i32(env, fd);
}

/* eventfdWrite(fd, value) */
static napi_value eventfd_write_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  int64_t v;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) || !get_i64(env, argv[1], &v)) return NULL;
  uint64_t val = (uint64_t)v;
  if (write(fd, &val, sizeof val) < 0 && errno != EAGAIN) return throw_errno(env, "eventfd write", errno);
  return NULL;
}

/* eventfdRead(fd) -> counter value, 0 when nothing is pending */
static napi_value eventfd_read_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  uint64_t val = 0;
  if (read(fd, &val, sizeof val) < 0) {
    if (errno == EAGAIN) return make_i32(env, 0);
    return throw_errno(env, "eventfd read", errno);
  }
  napi_value r;
  napi_create_double(env, (double)val, &r);
  return r;
}

/* close(fd) */
static napi_value close_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return NULL;
}

static int fill_sockaddr(napi_env env, napi_value v, struct sockaddr_un *sa) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  return get_string(env, v, sa->sun_path, sizeof sa->sun_path);
}

/* unixBind(path) -> non-blocking unix stream socket bound to path, not yet listening. The caller
 * sets the socket file's owner and mode before listenFd(), so no client can connect before then. */
static napi_value unix_bind_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_un sa;
  if (!get_args(env, info, 1, argv) || !fill_sockaddr(env, argv[0], &sa)) return NULL;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e);
  }
  return make_i32(env, fd);
}

/* listenFd(fd, backlog): starts accepting connections on a bound socket */
static napi_value listen_fd_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, backlog;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &backlog)) return NULL;
  if (listen(fd, backlog) < 0) return throw_errno(env, "listen", errno);
  return NULL;
}

/* unixAccept(listenFd) -> non-blocking connection fd, or -1 when none is pending */
static napi_value unix_accept_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t lfd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &lfd)) return NULL;
  int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return make_i32(env, -1);
    return throw_errno(env, "accept", errno);
  }
  return make_i32(env, fd);
}

/* unixConnect(path) -> connected non-blocking fd */
static napi_value unix_connect_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_un sa;
  if (!get_args(env, info, 1, argv) || !fill_sockaddr(env, argv[0], &sa)) return NULL;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "connect", e);
  }
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  return make_i32(env, fd);
}

/* sendMsg(fd, bytes, fds[]) -> bytes sent, -1 when the socket would block */
static napi_value send_msg_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  uint8_t *data;
  size_t len;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &fd) || !get_bytes(env, argv[1], &data, &len)) return NULL;
  uint32_t nfds = 0;
  CHECK(env, napi_get_array_length(env, argv[2], &nfds));
  if (nfds > MAX_FDS) return throw_errno(env, "sendmsg: too many fds", EINVAL);
  int fds[MAX_FDS];
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value e;
    CHECK(env, napi_get_element(env, argv[2], i, &e));
    if (!get_i32(env, e, &fds[i])) return NULL;
  }
  struct iovec iov = {.iov_base = data, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } ctrl;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > 0) {
    memset(&ctrl, 0, sizeof ctrl);
    msg.msg_control = ctrl.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return make_i32(env, -1);
    return throw_errno(env, "sendmsg", errno);
  }
  return make_i32(env, (int32_t)n);
}

/*
 * recvMsg(fd, into, maxFds) -> { bytes, fds, truncatedFds } or null when nothing is ready.
 * bytes == 0 means the peer closed. Received fds beyond maxFds are closed here and reported
 * through truncatedFds so the caller can treat it as a protocol error.
 */
static napi_value recv_msg_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, max_fds;
  uint8_t *data;
  size_t len;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &fd) || !get_bytes(env, argv[1], &data, &len) ||
      !get_i32(env, argv[2], &max_fds))
    return NULL;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } ctrl;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf, .msg_controllen = sizeof ctrl.buf};
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return make_null(env);
    return throw_errno(env, "recvmsg", errno);
  }
  napi_value result, arr;
  napi_create_object(env, &result);
  napi_create_array(env, &arr);
  uint32_t kept = 0;
  int dropped = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int *rfds = (int *)CMSG_DATA(c);
    for (size_t i = 0; i < count; i++) {
      if ((int32_t)kept < max_fds) {
        napi_set_element(env, arr, kept++, make_i32(env, rfds[i]));
      } else {
        close(rfds[i]);
        dropped++;
      }
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) dropped++;
  napi_set_named_property(env, result, "bytes", make_i32(env, (int32_t)n));
  napi_set_named_property(env, result, "fds", arr);
  napi_set_named_property(env, result, "truncatedFds", make_i32(env, dropped));
  return result;
}

/* ---- fd readiness on Node's event loop (uv_poll) ---- */

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int closing;
} watcher_t;

static void watcher_closed(uv_handle_t *h) {
  watcher_t *w = (watcher_t *)h->data;
  free(w);
}

static void watcher_fire(uv_poll_t *p, int status, int events) {
  watcher_t *w = (watcher_t *)p->data;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, global, arg, ret;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &global);
  napi_create_int32(env, status, &arg);
  napi_make_callback(env, w->async, global, cb, 1, &arg, &ret);
  napi_close_handle_scope(env, scope);
}

static void watcher_release(napi_env env, watcher_t *w) {
  if (w->closing) return;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->async);
  uv_close((uv_handle_t *)&w->poll, watcher_closed);
}

/* watchFd(fd, callback(status)) -> handle; the callback runs when fd is readable. */
static napi_value watch_fd_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, "watchFd", ENOMEM);
  w->env = env;
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w);
    napi_throw_error(env, "EINVAL", uv_strerror(rc));
    return NULL;
  }
  w->poll.data = w;
  napi_value name;
  napi_create_string_utf8(env, "vcrypto:fd-watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->async);
  napi_create_reference(env, argv[1], 1, &w->callback);
  rc = uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, watcher_fire);
  if (rc != 0) {
    watcher_release(env, w);
    napi_throw_error(env, "EINVAL", uv_strerror(rc));
    return NULL;
  }
  napi_value ext;
  napi_create_external(env, w, NULL, NULL, &ext);
  return ext;
}

/* unwatchFd(handle): stops the watcher; safe to call from inside its callback. */
static napi_value unwatch_fd_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  watcher_t *w;
  CHECK(env, napi_get_value_external(env, argv[0], (void **)&w));
  watcher_release(env, w);
  return NULL;
}

/* ---- AF_ALG: the kernel crypto API ---- */

/* algBind(type, name) -> transform socket fd. Throws EAFNOSUPPORT where AF_ALG is missing. */
static napi_value alg_bind_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct sockaddr_alg sa;
  memset(&sa, 0, sizeof sa);
  sa.salg_family = AF_ALG;
  if (!get_args(env, info, 2, argv) || !get_string(env, argv[0], (char *)sa.salg_type, sizeof sa.salg_type) ||
      !get_string(env, argv[1], (char *)sa.salg_name, sizeof sa.salg_name))
    return NULL;
  int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_ALG)", errno);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind(AF_ALG)", e);
  }
  return make_i32(env, fd);
}

/* algSetOption(fd, option, bytes|number): ALG_SET_KEY (bytes) or ALG_SET_AEAD_AUTHSIZE (number). */
static napi_value alg_setopt_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, opt;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &opt)) return NULL;
  int rc;
  if (opt == ALG_SET_AEAD_AUTHSIZE) {
    int32_t n;
    if (!get_i32(env, argv[2], &n)) return NULL;
    rc = setsockopt(fd, SOL_ALG, opt, NULL, (socklen_t)n);
  } else {
    uint8_t *data;
    size_t len;
    if (!get_bytes(env, argv[2], &data, &len)) return NULL;
    rc = setsockopt(fd, SOL_ALG, opt, data, (socklen_t)len);
  }
  if (rc < 0) return throw_errno(env, "setsockopt(SOL_ALG)", errno);
  return NULL;
}

/* algAccept(fd) -> operation fd */
static napi_value alg_accept_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  int op = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
  if (op < 0) return throw_errno(env, "accept(AF_ALG)", errno);
  return make_i32(env, op);
}

#define ALG_MAX_IOV 8

/* Reads an array of at most ALG_MAX_IOV Uint8Arrays into iov; returns the count or -1 (thrown). */
static int get_iov(napi_env env, napi_value arr, struct iovec *iov, size_t *total) {
  uint32_t n;
  if (napi_get_array_length(env, arr, &n) != napi_ok || n > ALG_MAX_IOV) {
    napi_throw_type_error(env, NULL, "expected an array of at most 8 Uint8Arrays");
    return -1;
  }
  *total = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    uint8_t *data;
    size_t len;
    if (napi_get_element(env, arr, i, &v) != napi_ok || !get_bytes(env, v, &data, &len)) return -1;
    iov[i].iov_base = data;
    iov[i].iov_len = len;
    *total += len;
  }
  return (int)n;
}

/*
 * algSend(opFd, op, iv|null, assocLen, inputs[], more) -> bytes sent.
 * op: -1 sends no control messages (hashes, and the later parts of a MSG_MORE sequence), else
 * ALG_OP_ENCRYPT/ALG_OP_DECRYPT with ALG_SET_IV (when iv is given) and ALG_SET_AEAD_ASSOCLEN
 * (when assocLen > 0). inputs are gathered by the kernel (the iovec path: no concatenation here).
 * more sets MSG_MORE. The caller keeps one send within the socket's send buffer: the kernel
 * blocks a sender that overfills it until someone reads, and nobody would.
 */
static napi_value alg_send_js(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd, op, assoclen;
  bool more;
  uint8_t *iv = NULL;
  size_t ivlen = 0, total;
  struct iovec iov[ALG_MAX_IOV];
  if (!get_args(env, info, 6, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &op) ||
      !get_i32(env, argv[3], &assoclen))
    return NULL;
  int niov = get_iov(env, argv[4], iov, &total);
  if (niov < 0) return NULL;
  CHECK(env, napi_get_value_bool(env, argv[5], &more));
  napi_valuetype t;
  napi_typeof(env, argv[2], &t);
  if (t != napi_null && t != napi_undefined && !get_bytes(env, argv[2], &iv, &ivlen)) return NULL;
  if (ivlen > 64) return throw_errno(env, "algSend: iv too long", EINVAL);
  char cbuf[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct af_alg_iv) + 64) + CMSG_SPACE(sizeof(uint32_t))];
  memset(cbuf, 0, sizeof cbuf);
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)niov};
  if (op >= 0) {
    size_t clen = 0;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_ALG;
    c->cmsg_type = ALG_SET_OP;
    c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
    *(uint32_t *)CMSG_DATA(c) = (uint32_t)op;
    clen += CMSG_SPACE(sizeof(uint32_t));
    if (iv != NULL) {
      c = CMSG_NXTHDR(&msg, c);
      c->cmsg_level = SOL_ALG;
      c->cmsg_type = ALG_SET_IV;
      c->cmsg_len = CMSG_LEN(sizeof(struct af_alg_iv) + ivlen);
      struct af_alg_iv *aiv = (struct af_alg_iv *)CMSG_DATA(c);
      aiv->ivlen = (uint32_t)ivlen;
      memcpy(aiv->iv, iv, ivlen);
      clen += CMSG_SPACE(sizeof(struct af_alg_iv) + ivlen);
    }
    if (assoclen > 0) {
      c = CMSG_NXTHDR(&msg, c);
      c->cmsg_level = SOL_ALG;
      c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
      c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
      *(uint32_t *)CMSG_DATA(c) = (uint32_t)assoclen;
      clen += CMSG_SPACE(sizeof(uint32_t));
    }
    msg.msg_controllen = clen;
  }
  ssize_t n;
  do n = sendmsg(fd, &msg, more ? MSG_MORE : 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "sendmsg(AF_ALG)", errno);
  return make_i32(env, (int32_t)n);
}

/*
 * algRecv(opFd, outputs[]) -> bytes read. Scatters the result straight into outputs (the kernel
 * writes into these pages: no copy in between) and reads until they are full or the socket has
 * no more. The caller asks for exactly the bytes the operation produces: asking for more blocks
 * forever on skcipher and aead sockets.
 */
static napi_value alg_recv_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  size_t total, got = 0;
  struct iovec iov[ALG_MAX_IOV];
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  int niov = get_iov(env, argv[1], iov, &total);
  if (niov < 0) return NULL;
  struct iovec *cur = iov;
  /* At least one read even for an empty result: the read is what runs the operation. */
  do {
    ssize_t n = readv(fd, cur, niov);
    if (n < 0) {
      if (errno == EINTR) continue;
      return throw_errno(env, "read(AF_ALG)", errno);
    }
    if (n == 0) break;
    got += (size_t)n;
    /* Advance past what was filled. */
    while (niov > 0 && (size_t)n >= cur->iov_len) {
      n -= (ssize_t)cur->iov_len;
      cur++;
      niov--;
    }
    if (niov > 0) {
      cur->iov_base = (uint8_t *)cur->iov_base + n;
      cur->iov_len -= (size_t)n;
    }
  } while (got < total);
  return make_i32(env, (int32_t)got);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"memfdCreate", NULL, memfd_create_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mmap", NULL, mmap_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"munmap", NULL, munmap_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"eventfdCreate", NULL, eventfd_create_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"eventfdWrite", NULL, eventfd_write_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"eventfdRead", NULL, eventfd_read_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unixBind", NULL, unix_bind_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listenFd", NULL, listen_fd_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unixAccept", NULL, unix_accept_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unixConnect", NULL, unix_connect_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendMsg", NULL, send_msg_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvMsg", NULL, recv_msg_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watchFd", NULL, watch_fd_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatchFd", NULL, unwatch_fd_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"algBind", NULL, alg_bind_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"algSetOption", NULL, alg_setopt_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"algAccept", NULL, alg_accept_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"algSend", NULL, alg_send_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"algRecv", NULL, alg_recv_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
