/* spec_diff.h: two specs' lines compared, for a restart's or resubmit's spec against its parent's. */
#ifndef OSMO_TUI_SPEC_DIFF_H
#define OSMO_TUI_SPEC_DIFF_H

#include <stddef.h>

#define SPEC_DIFF_MAX_LINES 2000 /* more on either side: no diff, a note instead */

/*
 * Every line of old and new in order, each behind a mark: "  " kept, "- " only in old,
 * "+ " only in new (a longest common subsequence of lines). NULL when either has more than
 * SPEC_DIFF_MAX_LINES lines; *changed is then how many lines are marked "- " or "+ ".
 * The caller frees.
 */
char *spec_diff(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                size_t *changed);

#endif
