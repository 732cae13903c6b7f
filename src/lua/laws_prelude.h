/* The aws prelude's Lua source, generated at build time from laws_prelude.lua (lua.am). */
#ifndef TEJUN_LAWS_PRELUDE_H
#define TEJUN_LAWS_PRELUDE_H
#include <stddef.h>
extern const char laws_prelude_lua[];
extern const size_t laws_prelude_lua_len;
#endif
