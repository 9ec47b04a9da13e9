// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: decode a reply's attributes into a struct of pwrmig.h, by
 * the tables scripts/spec-gen writes from the spec and bindings.yaml.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "decode.h"

static void put_int(char *dst, size_t size, const struct nlattr *a)
{
	switch (size) {
	case 1: *(uint8_t *)dst = nla_get_u8((struct nlattr *)a); break;
	case 2: *(uint16_t *)dst = nla_get_u16((struct nlattr *)a); break;
	case 4: *(uint32_t *)dst = nla_get_u32((struct nlattr *)a); break;
	case 8: *(uint64_t *)dst = nla_get_u64((struct nlattr *)a); break;
	}
}

static void put_string(char *dst, size_t size, const struct nlattr *a)
{
	size_t n = nla_len(a);

	/* The policy checked it is not empty; it may lack its NUL. */
	if (n >= size)
		n = size - 1;
	memcpy(dst, nla_data(a), n);
	dst[n] = '\0';
}

/* Every attribute of F's type, each into the next entry of its array. */
static int put_array(const struct pwrmig_field *f, char *obj,
		     const struct nlattr *head, int len)
{
	const struct pwrmig_binding *e = f->nest;
	unsigned int *count = (unsigned int *)(obj + f->count_off);
	const struct nlattr *a;
	int rem, err;

	nla_for_each_attr(a, (struct nlattr *)head, len, rem) {
		if (nla_type(a) != f->attr)
			continue;
		if ((*count + 1) * e->size > f->size)
			return -E2BIG;
		err = pwrmig_decode(e, nla_data(a), nla_len(a),
				    obj + f->off + *count * e->size);
		if (err)
			return err;
		(*count)++;
	}
	return 0;
}

int pwrmig_decode(const struct pwrmig_binding *b, const struct nlattr *head,
		  int len, void *obj)
{
	struct nlattr *tb[b->maxattr + 1];
	const struct pwrmig_field *f;
	char *o = obj;
	unsigned int i;
	int err;

	if (nla_parse(tb, b->maxattr, (struct nlattr *)head, len, b->policy))
		return -EBADMSG;
	memset(obj, 0, b->size);
	for (i = 0; i < b->n_fields; i++) {
		f = &b->fields[i];
		if (f->kind == PWRMIG_F_ARRAY) {
			err = put_array(f, o, head, len);
			if (err)
				return err;
			continue;
		}
		if (!tb[f->attr]) {
			if (f->required)
				return -EBADMSG;
			continue;
		}
		if (f->has_off >= 0)
			*(int *)(o + f->has_off) = 1;
		if (f->kind == PWRMIG_F_INT)
			put_int(o + f->off, f->size, tb[f->attr]);
		else if (f->kind == PWRMIG_F_STRING)
			put_string(o + f->off, f->size, tb[f->attr]);
		else
			*(int *)(o + f->off) = 1;
	}
	return 0;
}

int pwrmig_decode_msg(const struct pwrmig_binding *b,
		      const struct nlmsghdr *nlh, void *obj)
{
	if (!genlmsg_valid_hdr((struct nlmsghdr *)nlh, 0))
		return -EBADMSG;
	return pwrmig_decode(b, genlmsg_attrdata(nlmsg_data(nlh), 0),
			     genlmsg_attrlen(nlmsg_data(nlh), 0), obj);
}

const char *pwrmig_name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

uint32_t pwrmig_value_of(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return i;
	return 0;
}
