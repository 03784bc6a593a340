/* common_bad_includes_client.c: common/ is under both programs and sees neither; must not compile. */
#include "client/model.h"
