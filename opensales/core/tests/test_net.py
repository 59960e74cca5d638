from django.test import RequestFactory, override_settings

from opensales.core.net import client_ip


def _request(remote="10.0.0.5", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_forwarded_header_is_ignored_without_trusted_proxies():
    assert client_ip(_request(forwarded="1.2.3.4")) == "10.0.0.5"


@override_settings(OPENSALES_TRUSTED_PROXY_COUNT=1)
def test_one_trusted_proxy_takes_the_rightmost_address():
    # The client may prepend anything; only the hop our proxy appended counts.
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request(forwarded="not-an-ip")) == "10.0.0.5"
    assert client_ip(_request(forwarded="")) == "10.0.0.5"
