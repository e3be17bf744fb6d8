# SPDX-License-Identifier: Apache-2.0
# Builds vcrypto_native.node: the system calls Node lacks (see vcrypto_native.c).
{
  "targets": [
    {
      "target_name": "vcrypto_native",
      "sources": ["vcrypto_native.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
