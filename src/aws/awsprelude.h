/* Lua source of the aws helpers, run by luaopen_tejun_aws with the module table as its argument. */
#ifndef TEJUN_AWSPRELUDE_H
#define TEJUN_AWSPRELUDE_H
extern const char awsprelude_lua[];
#endif
