"""The counties of the five seed notices, and the demo county's townships. Plain data, no Django imports."""

from typing import NamedTuple


class CountyRef(NamedTuple):
    code: str
    name: str
    city: str
    province_managed: bool = False


SEED_COUNTIES = {
    c.code: c
    for c in [
        CountyRef("530300", "曲靖市", "曲靖市"),
        CountyRef("530381", "宣威市", "曲靖市", province_managed=True),
        CountyRef("620721", "肃南裕固族自治县", "张掖市"),
        CountyRef("341323", "灵璧县", "宿州市"),
        CountyRef("500102", "涪陵区", "重庆市"),
        CountyRef("141181", "孝义市", "吕梁市"),
    ]
}

# 肃南's townships, used by the demo county.
TOWNSHIPS = {
    "620721": ["红湾寺镇", "皇城镇", "康乐镇", "马蹄藏族乡", "白银蒙古族乡", "大河乡", "祁丰藏族乡", "明花乡"],
}
