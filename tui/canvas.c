/* canvas.c: the cell grid views render into: text, fills, table columns, dumps for goldens. */
#include "tui/canvas.h"

#include <stdlib.h>
#include <string.h>

#include "tui/text.h"
#include "common/util.h"

void
canvas_init(struct canvas *c, int rows, int cols)
{
	c->rows = rows > 0 ? rows : 1;
	c->cols = cols > 0 ? cols : 1;
	c->cells = xcalloc((size_t)c->rows * (size_t)c->cols, sizeof(*c->cells));
	canvas_clear(c);
}

void
canvas_free(struct canvas *c)
{
	free(c->cells);
	memset(c, 0, sizeof(*c));
}

void
canvas_clear(struct canvas *c)
{
	for (size_t i = 0; i < (size_t)c->rows * (size_t)c->cols; i++)
		c->cells[i] = (struct cell){ .ch = ' ', .style = STYLE_NORMAL };
}

static struct cell *
canvas_cell(struct canvas *c, int row, int col)
{
	if (row < 0 || row >= c->rows || col < 0 || col >= c->cols)
		return NULL;
	return &c->cells[(size_t)row * (size_t)c->cols + (size_t)col];
}

const struct cell *
canvas_at(const struct canvas *c, int row, int col)
{
	return canvas_cell((struct canvas *)c, row, col);
}

/* Clears a wide character whose half is about to be overwritten. */
static void
canvas_unwide(struct canvas *c, int row, int col)
{
	struct cell *cell = canvas_cell(c, row, col);
	struct cell *next = canvas_cell(c, row, col + 1);

	if (!cell)
		return;
	if (cell->flags & CELL_WIDE_RIGHT) {
		struct cell *left = canvas_cell(c, row, col - 1);

		if (left)
			left->ch = ' ';
	} else if (next && (next->flags & CELL_WIDE_RIGHT)) {
		next->ch = ' ';
		next->flags = 0;
	}
}

static int
canvas_put(struct canvas *c, int row, int col, int room, enum style style, uint32_t cp)
{
	int w = text_cp_width(cp);
	struct cell *cell;

	if (w < 0) {
		cp = TEXT_REPLACEMENT;
		w = 1;
	}
	if (w == 0 || w > room)
		return w == 0 ? 0 : -1;
	canvas_unwide(c, row, col);
	if (w == 2)
		canvas_unwide(c, row, col + 1);
	cell = canvas_cell(c, row, col);
	if (!cell)
		return -1;
	*cell = (struct cell){ .ch = cp, .style = (uint8_t)style };
	if (w == 2) {
		struct cell *right = canvas_cell(c, row, col + 1);

		if (right)
			*right = (struct cell){ .ch = 0,
				                .style = (uint8_t)style,
				                .flags = CELL_WIDE_RIGHT };
	}
	return w;
}

static int
canvas_write(struct canvas *c, int row, int col, int max_cols, enum style style, const char *s,
             bool ellipsis)
{
	size_t len = strlen(s);
	int used = 0;

	if (row < 0 || row >= c->rows || col >= c->cols || max_cols <= 0)
		return 0;
	if (col < 0) {
		max_cols += col;
		col = 0;
	}
	if (max_cols > c->cols - col)
		max_cols = c->cols - col;
	bool cut = ellipsis && text_width(s) > (size_t)max_cols;
	int limit = cut ? max_cols - 1 : max_cols;

	while (len && used < limit) {
		uint32_t cp;
		size_t n = text_decode(s, len, &cp);
		int w = canvas_put(c, row, col + used, limit - used, style, cp);

		if (w < 0)
			break;
		used += w;
		s += n;
		len -= n;
	}
	if (cut && max_cols > 0)
		used += canvas_put(c, row, col + used, 1, style, 0x2026);
	return used;
}

int
canvas_text(struct canvas *c, int row, int col, int max_cols, enum style style, const char *s)
{
	return canvas_write(c, row, col, max_cols, style, s, false);
}

int
canvas_text_ellipsis(struct canvas *c, int row, int col, int max_cols, enum style style,
                     const char *s)
{
	return canvas_write(c, row, col, max_cols, style, s, true);
}

int
canvas_text_wrap(struct canvas *c, int row, int col, int width, int max, enum style style,
                 const char *s)
{
	int used = 0;

	while (*s && used < max && width > 0 && (!c || row + used < c->rows)) {
		size_t fit = text_wrap(s, width);

		if (c && used == max - 1 && s[fit]) {
			canvas_text_ellipsis(c, row + used, col, width, style, s);
		} else if (c) {
			char *line = xstrndup(s, fit);

			canvas_text(c, row + used, col, width, style, line);
			free(line);
		}
		s += fit;
		while (*s == ' ')
			s++;
		used++;
	}
	return used;
}

void
canvas_fill(struct canvas *c, int row, int col, int n, uint32_t ch, enum style style)
{
	for (int i = 0; i < n; i++)
		if (canvas_put(c, row, col + i, 1, style, ch) < 0)
			break;
}

void
canvas_style(struct canvas *c, int row, int col, int n, enum style style)
{
	for (int i = 0; i < n; i++) {
		struct cell *cell = canvas_cell(c, row, col + i);

		if (cell)
			cell->style = (uint8_t)style;
	}
}

int
canvas_column(struct canvas *c, int row, int col, int width, enum style style, const char *s)
{
	if (width < 0)
		return col;
	canvas_text_ellipsis(c, row, col, width, style, s ? s : "");
	return col + width + 1;
}

void
canvas_header(struct canvas *c, int row, const struct canvas_col *cols, size_t n, const int *w)
{
	int col = 0;

	canvas_fill(c, row, 0, c->cols, ' ', STYLE_HEADER);
	for (size_t i = 0; i < n; i++)
		col = canvas_column(c, row, col, w[i], STYLE_HEADER, cols[i].title);
}

void
canvas_fit(const struct canvas_col *cols, size_t n, int total, int want, int min, int *w)
{
	size_t flex = 0;
	int fixed = 0;

	for (size_t i = 0; i < n; i++) {
		w[i] = cols[i].width;
		fixed += w[i] + 1;
		if (!cols[i].width)
			flex = i;
	}
	w[flex] = total - fixed - 1;
	for (int rank = 1; w[flex] < want; rank++) {
		size_t i = 0;

		while (i < n && cols[i].drop != rank)
			i++;
		if (i == n)
			break;
		w[flex] += w[i] + 1;
		w[i] = -1;
	}
	if (w[flex] < min)
		w[flex] = min;
}

char *
canvas_to_text(const struct canvas *c)
{
	struct strbuf sb = { 0 };

	for (int r = 0; r < c->rows; r++) {
		size_t line_start = sb.len, keep = sb.len;

		for (int col = 0; col < c->cols; col++) {
			const struct cell *cell = canvas_at(c, r, col);
			char buf[4];

			if (cell->flags & CELL_WIDE_RIGHT)
				continue;
			strbuf_add(&sb, buf, text_encode(cell->ch, buf));
			if (cell->ch != ' ')
				keep = sb.len;
		}
		sb.len = keep > line_start ? keep : line_start;
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb);
}

char *
canvas_to_styles(const struct canvas *c)
{
	static const char letters[] = {
#define STYLE_LETTER(id, letter) letter,
		STYLE_LIST(STYLE_LETTER)
#undef STYLE_LETTER
	};
	struct strbuf sb = { 0 };

	for (int r = 0; r < c->rows; r++) {
		for (int col = 0; col < c->cols; col++)
			strbuf_addch(&sb, letters[canvas_at(c, r, col)->style]);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb);
}

/* What a glyph the views use becomes in ASCII; anything else not ASCII becomes '?'. */
static const struct {
	uint32_t cp;
	char ascii;
} canvas_ascii_map[] = {
	{ 0x00b7, '-' }, /* · */ { 0x2026, '~' }, /* … */ { 0x2192, '>' }, /* → */
	{ 0x2190, '<' }, /* ← */ { 0x2191, '^' }, /* ↑ */ { 0x2193, 'v' }, /* ↓ */
	{ 0x203a, '>' }, /* › */ { 0x258f, '|' }, /* ▏ */ { 0x2714, '+' }, /* ✔ */
	{ 0x2718, 'x' }, /* ✘ */ { 0x2605, '*' }, /* ★ */ { 0x25cf, '*' }, /* ● */
	{ 0x25cc, '.' }, /* ◌ */ { 0x25cb, 'o' }, /* ○ */ { 0x25d4, 's' }, /* ◔ */
	{ 0x25d1, 'i' }, /* ◑ */ { 0x21bb, 'r' }, /* ↻ */ { 0x2298, '!' }, /* ⊘ */
	{ 0x25a0, '#' }, /* ■ */ { 0x25f7, 'T' }, /* ◷ */ { 0x21e3, 'P' }, /* ⇣ */
	{ 0x2500, '-' }, /* ─ */ { 0x2502, '|' }, /* │ */ { 0x2550, '=' }, /* ═ */
	{ 0x2551, '|' }, /* ║ */ { 0x2501, '-' }, /* ━ */ { 0x2503, '|' }, /* ┃ */
	{ 0x25b2, '^' }, /* ▲ */ { 0x25bc, 'v' }, /* ▼ */ { 0x25b6, '>' }, /* ▶ */
	{ 0x25c0, '<' }, /* ◀ */ { 0x2588, '#' }, /* █ */ { 0xfffd, '?' }, /* � */
};

static uint32_t
canvas_ascii_of(uint32_t cp)
{
	if (cp < 0x80)
		return cp;
	for (size_t i = 0; i < ARRAY_SIZE(canvas_ascii_map); i++)
		if (canvas_ascii_map[i].cp == cp)
			return (uint32_t)canvas_ascii_map[i].ascii;
	/* The rest of the box drawing block: corners and tees. */
	return cp >= 0x2500 && cp <= 0x257f ? '+' : '?';
}

void
canvas_ascii(struct canvas *c)
{
	for (int i = 0; i < c->rows * c->cols; i++) {
		struct cell *cell = &c->cells[i];

		/* A wide character's right half becomes a cell of its own: the row keeps its width. */
		if (cell->flags & CELL_WIDE_RIGHT) {
			cell->flags &= (uint8_t)~CELL_WIDE_RIGHT;
			cell->ch = '?';
		} else if (cell->ch) {
			cell->ch = canvas_ascii_of(cell->ch);
		}
	}
}
