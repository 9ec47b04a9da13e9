// SPDX-License-Identifier: GPL-2.0
/*
 * A request's attributes against its operation's policy, as the genetlink
 * core checks them for the module (strict validation, lib/nlattr.c), with
 * the same errors and extack messages: the policy comes from the spec's
 * tables (scripts/spec-gen names), as the module's comes from the spec.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define BAD_POLICY	"Attribute failed policy validation"

static const unsigned int fixed_len[] = {
	[SPEC_U8] = 1, [SPEC_U16] = 2, [SPEC_U32] = 4, [SPEC_U64] = 8,
	[SPEC_S32] = 4, [SPEC_S64] = 8,
};

int fam_fail(struct fam_req *r, int err, const char *msg, const struct nlattr *attr)
{
	r->e.err = err;
	r->e.msg = msg;
	r->e.attr = attr;
	return err;
}

int fam_refuse(struct fam_req *r, const struct pwrmig_refusal *e)
{
	return fam_fail(r, e->err, e->msg, e->attr ? r->tb[e->attr] : NULL);
}

int fam_need(struct fam_req *r, unsigned int type)
{
	if (type < 64 && r->tb[type])
		return 0;
	/* As GENL_REQ_ATTR_CHECK(): the type, no message. */
	r->e.miss_type = type;
	return fam_fail(r, -EINVAL, NULL, NULL);
}

static long long int_value(const struct spec_attr *sa, const struct nlattr *a)
{
	const void *p = (const char *)a + NLA_HDRLEN;
	union { uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; } v;

	memcpy(&v, p, fixed_len[sa->type]);
	switch (sa->type) {
	case SPEC_U8: return v.u8;
	case SPEC_U16: return v.u16;
	case SPEC_U32: return v.u32;
	case SPEC_S32: return (int32_t)v.u32;
	case SPEC_S64: return (int64_t)v.u64;
	default: return (long long)v.u64;
	}
}

static int check_range(struct fam_req *r, const struct spec_attr *sa,
		       const struct nlattr *a)
{
	long long v = int_value(sa, a);

	/* Unsigned values past LLONG_MAX compare as the u64 they are. */
	if (sa->type == SPEC_U64 && v < 0)
		return sa->has_max ? fam_fail(r, -ERANGE, "integer out of range", a) : 0;
	if ((sa->has_min && v < sa->min) || (sa->has_max && v > sa->max))
		return fam_fail(r, -ERANGE, "integer out of range", a);
	return 0;
}

static int check_string(struct fam_req *r, const struct spec_attr *sa,
			const struct nlattr *a)
{
	const char *s = (const char *)a + NLA_HDRLEN;
	int len = a->nla_len - NLA_HDRLEN;
	int minlen = sa->max_len ? (len < (int)sa->max_len + 1 ? len : (int)sa->max_len + 1)
				 : len;

	/* NLA_NUL_STRING: a NUL within max-len + 1 bytes. */
	if (!minlen || !memchr(s, 0, minlen))
		return fam_fail(r, -EINVAL, BAD_POLICY, a);
	if (sa->max_len) {
		if (s[len - 1] == '\0')
			len--;
		if (len > (int)sa->max_len)
			return fam_fail(r, -ERANGE, BAD_POLICY, a);
	}
	return 0;
}

static int check_attrs(struct fam_req *r, const struct nlattr *head, int len,
		       const struct spec_set *set, unsigned int maxattr,
		       uint64_t allowed, int depth);

static int check_one(struct fam_req *r, const struct nlattr *a,
		     const struct spec_set *set, int depth)
{
	const struct spec_attr *sa = &set->attrs[a->nla_type & NLA_TYPE_MASK];
	int len = a->nla_len - NLA_HDRLEN;
	int nested = !!(a->nla_type & NLA_F_NESTED);

	if (sa->type < sizeof(fixed_len) / sizeof(fixed_len[0]) &&
	    fixed_len[sa->type] && len != (int)fixed_len[sa->type])
		return fam_fail(r, -EINVAL, "invalid attribute length", a);
	if (sa->type == SPEC_NEST && !nested)
		return fam_fail(r, -EINVAL, "NLA_F_NESTED is missing", a);
	if (sa->type != SPEC_NEST && nested)
		return fam_fail(r, -EINVAL, "NLA_F_NESTED not expected", a);
	switch (sa->type) {
	case SPEC_FLAG:
		return len ? fam_fail(r, -ERANGE, BAD_POLICY, a) : 0;
	case SPEC_STRING:
		return check_string(r, sa, a);
	case SPEC_NEST:
		/* May be empty; if not, whole attributes of the nested set. */
		if (!len)
			return 0;
		if (len < NLA_HDRLEN)
			return fam_fail(r, -ERANGE, BAD_POLICY, a);
		return check_attrs(r, (const void *)((const char *)a + NLA_HDRLEN), len,
				   &spec_sets[sa->nest], spec_sets[sa->nest].max,
				   ~0ULL, depth + 1);
	case SPEC_BINARY:
		return 0;
	default:
		return check_range(r, sa, a);
	}
}

/*
 * Walk the attributes at HEAD; ALLOWED has bit T when attribute T is in
 * the policy.  The top level fills R->tb (the last of a type wins).
 */
static int check_attrs(struct fam_req *r, const struct nlattr *head, int len,
		       const struct spec_set *set, unsigned int maxattr,
		       uint64_t allowed, int depth)
{
	const struct nlattr *a = head;
	unsigned int type;
	int err;

	if (depth >= 2)	/* the spec nests one level */
		return fam_fail(r, -EINVAL, "allowed policy recursion depth exceeded", NULL);
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		type = a->nla_type & NLA_TYPE_MASK;
		if (!type || type > maxattr)
			return fam_fail(r, -EINVAL, "Unknown attribute type", a);
		if (!(allowed & (1ULL << type)) || !set->attrs[type].name ||
		    set->attrs[type].type == SPEC_PAD)
			return fam_fail(r, -EINVAL, "Unsupported attribute", a);
		err = check_one(r, a, set, depth);
		if (err)
			return err;
		if (!depth)
			r->tb[type] = a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	if (len > 0)
		return fam_fail(r, -EINVAL, "bytes leftover after parsing attributes", NULL);
	return 0;
}

int fam_validate(struct fam_req *r)
{
	const struct spec_set *set = &spec_sets[r->op->set];
	unsigned int maxattr = 0, t;
	int len;

	memset(r->tb, 0, sizeof(r->tb));
	/* Dumps and requests without attributes have no policy: none is read. */
	if (r->dump || !r->op->request)
		return 0;
	for (t = 1; t < 64; t++)
		if (r->op->request & (1ULL << t))
			maxattr = t;
	len = r->nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return check_attrs(r, (const void *)((const char *)r->g + GENL_HDRLEN), len,
			   set, maxattr, r->op->request, 0);
}
