import pytest


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def account(cast):
    """A record owned by rep_sh1 (张伟): seen by rep_sh1, lead_sh, manager_east and the all-seeing roles;
    not by rep_sh2 (刘洋, own records only) nor rep_gz1 (徐丽)."""
    from tests.scopeapp.models import Account

    return Account.objects.create(name="上海客户", owner=cast["rep_sh1"])
