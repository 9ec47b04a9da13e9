// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigd --check-config for the migration link: what pd_tls_ctx() would
 * load, and what a peer would refuse later (a certificate that does not
 * chain to the CA, names another site, or has expired), found before
 * pwrmigd starts.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "migrate.h"

/* CERT against the CA of CTX (the time now); 0, or -1 with why in ERR. */
static int chains(SSL_CTX *ctx, X509 *cert, char *err, size_t len)
{
	X509_STORE_CTX *vc = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = NULL;
	int ok = 0;

	SSL_CTX_get0_chain_certs(ctx, &chain);
	if (vc && X509_STORE_CTX_init(vc, SSL_CTX_get_cert_store(ctx), cert, chain) == 1)
		ok = X509_verify_cert(vc) == 1;
	if (!ok)
		snprintf(err, len, "%s", vc ? X509_verify_cert_error_string(
					 X509_STORE_CTX_get_error(vc)) : "out of memory");
	X509_STORE_CTX_free(vc);
	return ok ? 0 : -1;
}

int pd_tls_check(const struct pd_config *c, char *err, size_t len, char *warn, size_t wlen)
{
	SSL_CTX *ctx = pd_tls_ctx(c, 1, err, len);
	char site[64], why[256];
	int days = 0, secs = 0, rc = -1;
	X509 *cert;

	*warn = 0;
	if (!ctx)
		return -1;
	cert = SSL_CTX_get0_certificate(ctx);
	if (chains(ctx, cert, why, sizeof(why))) {
		snprintf(err, len, "tls_cert %s does not chain to tls_ca %s: %s", c->tls_cert,
			 c->tls_ca, why);
	} else if (pd_cert_site(cert, site, sizeof(site), why, sizeof(why))) {
		snprintf(err, len, "tls_cert %s: %s", c->tls_cert, why);
	} else if (strcmp(site, c->site)) {
		snprintf(err, len, "tls_cert %s names site '%s', but this node's site is '%s': peers would refuse it",
			 c->tls_cert, site, c->site);
	} else {
		rc = 0;
		if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)) && days < 30)
			snprintf(warn, wlen, "tls_cert %s expires in %d days", c->tls_cert, days);
	}
	SSL_CTX_free(ctx);
	return rc;
}
