"""Surname readings (姓氏读音) that differ from a character's everyday reading.

pypinyin reads 单 as "dan", 曾 as "ceng", 解 as "jie"; as surnames they are shan, zeng, xie. Only the
first character(s) of a person's name get these readings: 单 in 单雄信 is "shan", in 简单 it stays "dan".
Compound surnames are recognised only at the start of names of three characters or more, so that 单于
alone (surname 单 + given name 于) is not mistaken for the compound 单于 (chanyu).

Each value is the list of syllables (one per character).
"""

from __future__ import annotations

# Single-character surnames whose reading differs from pypinyin's default reading.
SINGLE: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "朴": "piao",
    "区": "ou",
    "仇": "qiu",
    "查": "zha",
    "翟": "zhai",
    "盖": "ge",
    "蓋": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "召": "shao",
    "种": "chong",
    "员": "yun",
    "阚": "kan",
    "隗": "wei",
    "秘": "bi",
    "繁": "po",
    "都": "du",
    "洗": "xian",
    "冼": "xian",
    "句": "gou",
    "折": "she",
    "祭": "zhai",
    "能": "nai",
    "黑": "he",
    "长": "chang",
    "重": "chong",
    "藏": "zang",
    "么": "yao",
    "粘": "nian",
    "薄": "bo",
    "角": "jue",
    "卜": "bu",
    "乜": "nie",
    "尉": "wei",
    "宿": "su",
    "柏": "bai",
    "沈": "shen",
    "曲": "qu",
    "华": "hua",
    "任": "ren",
    "葛": "ge",
    "过": "guo",
    "相": "xiang",
    "谌": "chen",
    "贲": "ben",
    "燕": "yan",
    "纪": "ji",
    "石": "shi",
    "朝": "chao",
    "应": "ying",
    "强": "qiang",
    "莘": "shen",
    "瞿": "qu",
    "殷": "yin",
    "盛": "sheng",
}

# Compound surnames (复姓), with their readings.
COMPOUND: dict[str, tuple[str, str]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
    "长孙": ("zhang", "sun"),
    "乐正": ("yue", "zheng"),
    "令狐": ("ling", "hu"),
    "欧阳": ("ou", "yang"),
    "上官": ("shang", "guan"),
    "皇甫": ("huang", "fu"),
    "诸葛": ("zhu", "ge"),
    "司马": ("si", "ma"),
    "夏侯": ("xia", "hou"),
    "宇文": ("yu", "wen"),
    "东方": ("dong", "fang"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "司徒": ("si", "tu"),
    "司空": ("si", "kong"),
    "南宫": ("nan", "gong"),
    "轩辕": ("xuan", "yuan"),
    "端木": ("duan", "mu"),
    "闻人": ("wen", "ren"),
    "呼延": ("hu", "yan"),
    "赫连": ("he", "lian"),
    "百里": ("bai", "li"),
    "申屠": ("shen", "tu"),
    "独孤": ("du", "gu"),
    "太史": ("tai", "shi"),
    "公冶": ("gong", "ye"),
    "濮阳": ("pu", "yang"),
    "淳于": ("chun", "yu"),
    "仲孙": ("zhong", "sun"),
    "钟离": ("zhong", "li"),
    "宗政": ("zong", "zheng"),
    "拓跋": ("tuo", "ba"),
    "西门": ("xi", "men"),
    "东郭": ("dong", "guo"),
    "公羊": ("gong", "yang"),
    "左丘": ("zuo", "qiu"),
    "段干": ("duan", "gan"),
    "第五": ("di", "wu"),
}


def split_surname(name: str) -> tuple[str, list[str] | None]:
    """(surname, its syllables or None when pypinyin's reading is right) for a name of Han characters."""
    if len(name) >= 3 and name[:2] in COMPOUND:
        return name[:2], list(COMPOUND[name[:2]])
    first = name[:1]
    return first, ([SINGLE[first]] if first in SINGLE else None)
