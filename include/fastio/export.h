/* SPDX-License-Identifier: MIT */
/* fastio/export.h - symbol visibility and checked attributes for the public API. */
#ifndef FASTIO_EXPORT_H
#define FASTIO_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define FASTIO_API __attribute__((visibility("default")))
#define FASTIO_NODISCARD __attribute__((warn_unused_result))
#define FASTIO_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define FASTIO_API
#define FASTIO_NODISCARD
#define FASTIO_NONNULL(...)
#endif

#endif
