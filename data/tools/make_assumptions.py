#!/usr/bin/env python3
"""Build tariffstack's embedded *assumption* tables (economic estimates, not law).

Usage:  python3 data/tools/make_assumptions.py [SRC_DIR] [--out OUT_DIR]
        SRC_DIR defaults to /work/shared/data/assumptions, OUT_DIR to data/assumptions beside
        this script's folder (i.e. <repo>/data/assumptions).

Inputs (read only; copied from Budget-Lab-Yale/tariff-rate-tracker @ COMMIT, MIT):
  metal_content_shares_bea_hs10.csv   hs10,naics,bea_detail_code,steel_share,aluminum_share,
                                      copper_share,other_metal_share,metal_share
  usmca_product_shares_2024.csv       hts10,cty_code,usmca_share
  usmca_product_shares_2025.csv       hts10,cty_code,usmca_share
  mfn_exemption_shares_hs2.csv        hs2,cty_code,exemption_share
  census_country_codes.csv            Code,Name

Outputs (in OUT_DIR; all sorted by code, '\n' line ends, deterministic):
  metal-content-bea.csv     bea,steel,aluminum,copper   one row per BEA detail code
  metal-content-hts10.csv   hts10,bea                   HTS10 -> BEA detail code
  usmca-2024.csv            hts10,CA,MX
  usmca-2025.csv            hts10,CA,MX
  preference-use-hs2.csv    hs2,country,share
  census-to-iso.csv         cty_code,iso2,name
  README.md                 provenance, transformation, check figures, quirks

Numbers: every input value is parsed exactly (decimal.Decimal from its text, e-notation
included) and rounded half-up to 4 decimal places; written as plain decimals with trailing
zeros dropped ("0.0024", "0.02", "0", "1"). Only the standard library is used.
Re-running gives byte-identical files. Check figures are printed to stdout.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import Counter, defaultdict
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

getcontext().prec = 60

REPO = "Budget-Lab-Yale/tariff-rate-tracker"
COMMIT = "8315fffd697c42559141ed5f8bf7c8fa3da47ae8"
UPSTREAM = {
    "metal_content_shares_bea_hs10.csv": "resources/metal_content_shares_bea_hs10.csv",
    "usmca_product_shares_2024.csv": "resources/usmca_product_shares_2024.csv",
    "usmca_product_shares_2025.csv": "resources/usmca_product_shares_2025.csv",
    "mfn_exemption_shares_hs2.csv": "resources/mfn_exemption_shares.csv",
    "census_country_codes.csv": "resources/census_codes.csv",
}
DEFAULT_SRC = "/work/shared/data/assumptions"
Q = Decimal("0.0001")
ONE = Decimal(1)
ZERO = Decimal(0)
CA, MX = "1220", "2010"

# Census Schedule C name -> ISO 3166-1 alpha-2, matched by name (checked against the
# iso-codes ISO 3166-1 list; hand-matched where the Census wording differs). Kosovo has no
# ISO 3166-1 code (XK is user-assigned), so it is left unmapped. Gaza Strip and West Bank
# both map to PS (State of Palestine).
NAME_TO_ISO2: dict[str, str] = {
    "United States of America": "US", "Greenland": "GL", "Canada": "CA",
    "Saint Pierre and Miquelon": "PM", "Mexico": "MX", "Guatemala": "GT", "Belize": "BZ",
    "El Salvador": "SV", "Honduras": "HN", "Nicaragua": "NI", "Costa Rica": "CR",
    "Panama": "PA", "Bermuda": "BM", "Bahamas": "BS", "Cuba": "CU", "Jamaica": "JM",
    "Turks and Caicos Islands": "TC", "Cayman Islands": "KY", "Haiti": "HT",
    "Dominican Republic": "DO", "Anguilla": "AI", "British Virgin Islands": "VG",
    "Saint Kitts and Nevis": "KN", "Antigua and Barbuda": "AG", "Montserrat": "MS",
    "Dominica": "DM", "Saint Lucia": "LC", "Saint Vincent and the Grenadines": "VC",
    "Grenada": "GD", "Barbados": "BB", "Trinidad and Tobago": "TT", "Sint Maarten": "SX",
    "Curacao": "CW", "Aruba": "AW", "Guadeloupe": "GP", "Martinique": "MQ",
    "Colombia": "CO", "Venezuela": "VE", "Guyana": "GY", "Suriname": "SR",
    "French Guiana": "GF", "Ecuador": "EC", "Peru": "PE", "Bolivia": "BO", "Chile": "CL",
    "Brazil": "BR", "Paraguay": "PY", "Uruguay": "UY", "Argentina": "AR",
    "Falkland Islands (Islas Malvinas)": "FK", "Iceland": "IS", "Sweden": "SE",
    "Svalbard and Jan Mayen": "SJ", "Norway": "NO", "Finland": "FI", "Faroe Islands": "FO",
    "Denmark, except Greenland": "DK", "United Kingdom": "GB", "Ireland": "IE",
    "Netherlands": "NL", "Belgium": "BE", "Luxembourg": "LU", "Andorra": "AD",
    "Monaco": "MC", "France": "FR", "Germany (Federal Republic of Germany)": "DE",
    "Austria": "AT", "Czech Republic": "CZ", "Slovakia": "SK", "Hungary": "HU",
    "Liechtenstein": "LI", "Switzerland": "CH", "Estonia": "EE", "Latvia": "LV",
    "Lithuania": "LT", "Poland": "PL", "Russia": "RU", "Belarus": "BY", "Ukraine": "UA",
    "Armenia": "AM", "Azerbaijan": "AZ", "Georgia": "GE", "Kazakhstan": "KZ",
    "Kyrgyzstan": "KG", "Moldova (Republic of Moldova)": "MD", "Tajikistan": "TJ",
    "Turkmenistan": "TM", "Uzbekistan": "UZ", "Spain": "ES", "Portugal": "PT",
    "Gibraltar": "GI", "Malta": "MT", "San Marino": "SM", "Holy See (Vatican City)": "VA",
    "Italy": "IT", "Croatia": "HR", "Slovenia": "SI", "Bosnia and Herzegovina": "BA",
    "North Macedonia": "MK", "Serbia": "RS", "Montenegro": "ME", "Albania": "AL",
    "Greece": "GR", "Romania": "RO", "Bulgaria": "BG", "Turkey": "TR", "Cyprus": "CY",
    "Syria (Syrian Arab Republic)": "SY", "Lebanon": "LB", "Iraq": "IQ", "Iran": "IR",
    "Israel": "IL", "Gaza Strip administered by Israel": "PS",
    "West Bank administered by Israel": "PS", "Jordan": "JO", "Kuwait": "KW",
    "Saudi Arabia": "SA", "Qatar": "QA", "United Arab Emirates": "AE",
    "Yemen (Republic of Yemen)": "YE", "Oman": "OM", "Bahrain": "BH", "Afghanistan": "AF",
    "India": "IN", "Pakistan": "PK", "Nepal": "NP", "Bangladesh": "BD", "Sri Lanka": "LK",
    "Burma (Myanmar)": "MM", "Thailand": "TH", "Vietnam": "VN",
    "Laos (Lao People's Democratic Republic)": "LA", "Cambodia": "KH", "Malaysia": "MY",
    "Singapore": "SG", "Indonesia": "ID", "Timor-Leste": "TL", "Brunei": "BN",
    "Philippines": "PH", "Macao": "MO", "Bhutan": "BT", "Maldives": "MV", "China": "CN",
    "Mongolia": "MN", "North Korea (Democratic People's Republic of Korea)": "KP",
    "South Korea (Republic of Korea)": "KR", "Hong Kong": "HK", "Taiwan": "TW",
    "Japan": "JP", "Australia": "AU", "Norfolk Island": "NF", "Cocos (Keeling) Islands": "CC",
    "Christmas Island (in the Indian Ocean)": "CX", "Heard Island and McDonald Islands": "HM",
    "Papua New Guinea": "PG", "New Zealand": "NZ", "Cook Islands": "CK", "Tokelau": "TK",
    "Niue": "NU", "Samoa (Western Samoa)": "WS", "Solomon Islands": "SB", "Vanuatu": "VU",
    "Pitcairn Islands": "PN", "Kiribati": "KI", "Tuvalu": "TV", "New Caledonia": "NC",
    "Wallis and Futuna": "WF", "French Polynesia": "PF", "Marshall Islands": "MH",
    "Micronesia, Federated States of": "FM", "Palau": "PW", "Nauru": "NR", "Fiji": "FJ",
    "Tonga": "TO", "Morocco": "MA", "Algeria": "DZ", "Tunisia": "TN", "Libya": "LY",
    "Egypt": "EG", "Sudan": "SD", "South Sudan": "SS", "Equatorial Guinea": "GQ",
    "Mauritania": "MR", "Cameroon": "CM", "Senegal": "SN", "Mali": "ML", "Guinea": "GN",
    "Sierra Leone": "SL", "Cote d'Ivoire": "CI", "Ghana": "GH", "Gambia": "GM",
    "Niger": "NE", "Togo": "TG", "Nigeria": "NG", "Central African Republic": "CF",
    "Gabon": "GA", "Chad": "TD", "Saint Helena": "SH", "Burkina Faso": "BF", "Benin": "BJ",
    "Angola": "AO", "Congo, Republic of the Congo": "CG", "Guinea-Bissau": "GW",
    "Cabo Verde": "CV", "Sao Tome and Principe": "ST", "Liberia": "LR",
    "Congo, Democratic Republic of the Congo (formerly Za": "CD", "Burundi": "BI",
    "Rwanda": "RW", "Somalia": "SO", "Eritrea": "ER", "Ethiopia": "ET", "Djibouti": "DJ",
    "Uganda": "UG", "Kenya": "KE", "Seychelles": "SC", "British Indian Ocean Territory": "IO",
    "Tanzania (United Republic of Tanzania)": "TZ", "Mauritius": "MU", "Mozambique": "MZ",
    "Madagascar": "MG", "Mayotte": "YT", "Comoros": "KM", "Reunion": "RE",
    "French Southern and Antarctic Lands": "TF", "South Africa": "ZA", "Namibia": "NA",
    "Botswana": "BW", "Zambia": "ZM", "Eswatini": "SZ", "Zimbabwe": "ZW", "Malawi": "MW",
    "Lesotho": "LS", "Puerto Rico": "PR", "Virgin Islands of the United States": "VI",
    "Guam": "GU", "American Samoa": "AS", "Northern Mariana Islands": "MP",
    "United States Minor Outlying Islands": "UM",
}
UNMAPPED_REASON = {"Kosovo": "no ISO 3166-1 code (XK is a user-assigned code, not ISO)"}

# Named lines pinned in the README (each must exist in the output).
METAL_EXAMPLES = ["8703230140", "7208510030", "3304995000", "9401616011", "7403110000"]
USMCA_EXAMPLES = ["8703230130", "8703230140", "7208510030", "3304995000", "9401616011"]
PREF_EXAMPLES = [("87", "CA"), ("87", "MX"), ("87", "JP"), ("62", "JO"), ("33", "CA")]


class Fail(Exception):
    pass


def rnd(x: Decimal) -> Decimal:
    return x.quantize(Q, rounding=ROUND_HALF_UP)


def fmt(x: Decimal) -> str:
    """A value already rounded to 4 places, as a plain decimal without trailing zeros."""
    s = format(x.quantize(Q), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def units(x: Decimal) -> int:
    """A 4-place value in units of 0.0001 (exact)."""
    return int(x.quantize(Q) * 10000)


def mean_str(total_units: int, n: int) -> str:
    if n == 0:
        return "n/a"
    return format((Decimal(total_units) / Decimal(10000) / Decimal(n)).quantize(
        Decimal("0.00000001"), rounding=ROUND_HALF_UP), "f")


def dotted(h: str) -> str:
    return f"{h[0:4]}.{h[4:6]}.{h[6:8]}.{h[8:10]}" if len(h) == 10 else h


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        rows = list(r)
        return list(r.fieldnames or []), rows


def dec(text: str, where: str) -> Decimal:
    try:
        v = Decimal(text)
    except Exception as e:  # noqa: BLE001
        raise Fail(f"{where}: not a number: {text!r}") from e
    if not v.is_finite():
        raise Fail(f"{where}: not finite: {text!r}")
    return v


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> int:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(data)
    return len(data)


def require_cols(name: str, got: list[str], want: list[str]) -> None:
    if got != want:
        raise Fail(f"{name}: columns {got}, expected {want}")


# ---------------------------------------------------------------------------------------------
# 1. Metal content
# ---------------------------------------------------------------------------------------------
def build_metal(src: Path) -> dict:
    name = "metal_content_shares_bea_hs10.csv"
    cols, rows = read_csv(src / name)
    require_cols(name, cols, ["hs10", "naics", "bea_detail_code", "steel_share",
                              "aluminum_share", "copper_share", "other_metal_share",
                              "metal_share"])
    kinds = ("steel_share", "aluminum_share", "copper_share")
    seen: set[str] = set()
    bea_raw: dict[str, tuple[str, ...]] = {}
    hts_bea: dict[str, str] = {}
    comp_gt1 = Counter()  # component -> rows with raw value > 1
    comp_lt0 = Counter()
    sum3_gt1_rows = 0
    sum4_gt1_rows = 0
    ch_stats: dict[str, Counter] = {c: Counter() for c in ("72", "73", "76")}
    for i, r in enumerate(rows, start=2):
        h = r["hs10"]
        if len(h) != 10 or not h.isdigit():
            raise Fail(f"{name}:{i}: bad hs10 {h!r}")
        if h in seen:
            raise Fail(f"{name}:{i}: duplicate hs10 {h}")
        seen.add(h)
        bea = r["bea_detail_code"]
        raw = tuple(r[k] for k in kinds + ("other_metal_share", "metal_share"))
        if bea in bea_raw and bea_raw[bea] != raw:
            raise Fail(f"{name}:{i}: BEA code {bea} has differing shares across HTS10 lines")
        bea_raw[bea] = raw
        hts_bea[h] = bea
        v = [dec(x, f"{name}:{i}") for x in raw]
        for k, x in zip(kinds, v[:3]):
            if x > ONE:
                comp_gt1[k] += 1
            if x < ZERO:
                comp_lt0[k] += 1
        if sum(v[:3]) > ONE:
            sum3_gt1_rows += 1
        if sum(v[:4]) > ONE:
            sum4_gt1_rows += 1
        ch = h[:2]
        if ch in ch_stats:
            st = ch_stats[ch]
            st["rows"] += 1
            st["metal_share=1"] += v[4] == ONE
            st["bea=NA"] += bea == "NA"
            st["steel+al+cu>=1"] += sum(v[:3]) >= ONE
            st["steel>=0.5"] += v[0] >= Decimal("0.5")
            st["aluminum>=0.5"] += v[1] >= Decimal("0.5")

    # Per BEA code: cap proportionally, round half-up, filter.
    bea_out: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    capped: list[dict] = []
    hamilton: list[str] = []
    dropped_bea: list[str] = []
    for bea in sorted(bea_raw):
        raw = bea_raw[bea]
        v = [dec(x, f"{name} BEA {bea}") for x in raw[:3]]
        tot = sum(v)
        if tot > ONE:
            scaled = [x / tot for x in v]
            out = [rnd(x) for x in scaled]
            if sum(out) > ONE:
                # largest remainder so the three sum to exactly 1
                fl = [x.quantize(Q, rounding=ROUND_DOWN) for x in scaled]
                need = int((ONE - sum(fl)) / Q)
                order = sorted(range(3), key=lambda j: (-(scaled[j] - fl[j]), j))
                for j in order[:need]:
                    fl[j] += Q
                out = fl
                hamilton.append(bea)
            capped.append({"bea": bea, "raw": v, "sum": tot, "out": out,
                           "n": sum(1 for b in hts_bea.values() if b == bea)})
        else:
            out = [rnd(x) for x in v]
            if sum(out) > ONE:
                raise Fail(f"BEA {bea}: rounded shares sum above 1 though raw sum <= 1")
        if all(x == ZERO for x in out):
            dropped_bea.append(bea)
            continue
        bea_out[bea] = (out[0], out[1], out[2])

    hts_out = {h: b for h, b in hts_bea.items() if b in bea_out}
    for bea, (s, a, c) in bea_out.items():
        assert ZERO <= s <= ONE and ZERO <= a <= ONE and ZERO <= c <= ONE and s + a + c <= ONE

    dropped_hts = Counter(b for h, b in hts_bea.items() if b not in bea_out)
    return {
        "rows_in": len(rows), "bea_in": len(bea_raw), "bea_out": bea_out, "hts_out": hts_out,
        "comp_gt1": comp_gt1, "comp_lt0": comp_lt0, "sum3_gt1_rows": sum3_gt1_rows,
        "sum4_gt1_rows": sum4_gt1_rows, "capped": capped, "hamilton": hamilton,
        "dropped_bea": dropped_bea, "dropped_hts": dropped_hts, "ch_stats": ch_stats,
        "hts_bea_all": hts_bea, "bea_raw": bea_raw,
        "naics_of_dropped": Counter(r["naics"] for r in rows
                                    if r["bea_detail_code"] in dropped_bea),
    }


# ---------------------------------------------------------------------------------------------
# 2. USMCA
# ---------------------------------------------------------------------------------------------
def build_usmca(src: Path, year: int) -> dict:
    name = f"usmca_product_shares_{year}.csv"
    cols, rows = read_csv(src / name)
    require_cols(name, cols, ["hts10", "cty_code", "usmca_share"])
    table: dict[str, dict[str, Decimal]] = defaultdict(dict)
    other = Counter()
    enot = 0
    for i, r in enumerate(rows, start=2):
        h, c, s = r["hts10"], r["cty_code"], r["usmca_share"]
        if len(h) != 10 or not h.isdigit():
            raise Fail(f"{name}:{i}: bad hts10 {h!r}")
        v = dec(s, f"{name}:{i}")
        if not ZERO <= v <= ONE:
            raise Fail(f"{name}:{i}: share {s} outside [0,1]")
        enot += "e" in s.lower()
        if c not in (CA, MX):
            other[c] += 1
            continue
        if c in table[h]:
            raise Fail(f"{name}:{i}: duplicate ({h},{c})")
        table[h][c] = rnd(v)
    out_rows = []
    sums = {CA: 0, MX: 0}
    ns = {CA: 0, MX: 0}
    empty = {CA: 0, MX: 0}
    for h in sorted(table):
        row = [h]
        for c in (CA, MX):
            if c in table[h]:
                row.append(fmt(table[h][c]))
                sums[c] += units(table[h][c])
                ns[c] += 1
            else:
                row.append("")
                empty[c] += 1
        out_rows.append(row)
    return {"rows_in": len(rows), "rows": out_rows, "table": table, "sums": sums, "ns": ns,
            "empty": empty, "other": other, "enot": enot,
            "zero": {c: sum(1 for h in table if table[h].get(c) == ZERO) for c in (CA, MX)},
            "one": {c: sum(1 for h in table if table[h].get(c) == ONE) for c in (CA, MX)}}


# ---------------------------------------------------------------------------------------------
# 3. Census codes and preference use
# ---------------------------------------------------------------------------------------------
def build_census(src: Path) -> dict:
    name = "census_country_codes.csv"
    cols, rows = read_csv(src / name)
    require_cols(name, cols, ["Code", "Name"])
    mapped: dict[str, tuple[str, str]] = {}
    unmapped: list[tuple[str, str]] = []
    for r in rows:
        code, nm = r["Code"], r["Name"]
        if not (len(code) == 4 and code.isdigit()):
            raise Fail(f"{name}: bad code {code!r}")
        if code in mapped:
            raise Fail(f"{name}: duplicate code {code}")
        iso = NAME_TO_ISO2.get(nm)
        if iso is None:
            unmapped.append((code, nm))
        else:
            mapped[code] = (iso, nm)
    unused = sorted(set(NAME_TO_ISO2) - {nm for _, nm in mapped.values()})
    return {"rows_in": len(rows), "mapped": mapped, "unmapped": unmapped, "unused": unused}


def build_pref(src: Path, census: dict) -> dict:
    name = "mfn_exemption_shares_hs2.csv"
    cols, rows = read_csv(src / name)
    require_cols(name, cols, ["hs2", "cty_code", "exemption_share"])
    mapped = census["mapped"]
    out: dict[tuple[str, str], Decimal] = {}
    src_code: dict[tuple[str, str], str] = {}
    dropped = Counter()
    enot = 0
    for i, r in enumerate(rows, start=2):
        hs2, c, s = r["hs2"], r["cty_code"], r["exemption_share"]
        if len(hs2) != 2 or not hs2.isdigit():
            raise Fail(f"{name}:{i}: bad hs2 {hs2!r}")
        v = dec(s, f"{name}:{i}")
        if not ZERO <= v <= ONE:
            raise Fail(f"{name}:{i}: share {s} outside [0,1]")
        enot += "e" in s.lower()
        if c not in mapped:
            dropped[c] += 1
            continue
        key = (hs2, mapped[c][0])
        if key in out:
            raise Fail(f"{name}:{i}: census codes {src_code[key]} and {c} both map to {key}")
        out[key] = rnd(v)
        src_code[key] = c
    keys = sorted(out)
    total = sum(units(out[k]) for k in keys)
    return {"rows_in": len(rows), "out": out, "keys": keys, "dropped": dropped,
            "sum": total, "enot": enot,
            "zero": sum(1 for k in keys if out[k] == ZERO),
            "one": sum(1 for k in keys if out[k] == ONE),
            "hs2": sorted({k[0] for k in keys}), "countries": sorted({k[1] for k in keys})}


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------
def src_ref(fname: str) -> str:
    return f"`{REPO}@{COMMIT}:{UPSTREAM[fname]}` (copy: `/work/shared/data/assumptions/{fname}`)"


def readme(m: dict, us: dict[int, dict], cen: dict, pref: dict, sizes: dict[str, int],
           counts: dict[str, int]) -> str:
    L: list[str] = []
    a = L.append
    bea_out, hts_out = m["bea_out"], m["hts_out"]
    a("# data/assumptions — economic estimates, not law")
    a("")
    a("Generated by `data/tools/make_assumptions.py` (do not edit by hand; re-run it:")
    a("`python3 data/tools/make_assumptions.py [/work/shared/data/assumptions]`). Output is")
    a("deterministic and byte-for-byte reproducible. The program embeds these files with")
    a("`include_str!` and never reads `/work/shared` at run time.")
    a("")
    a(f"All inputs come from `{REPO}` @ `{COMMIT}` (MIT licence; the underlying data are")
    a("public: BEA input-output tables, USITC DataWeb, Census Schedule C). These are *economic")
    a("estimates* for facts an entry usually lacks (metal content, USMCA claims, preference use).")
    a("They are not legal facts: use them only where the user asks for an assumption. The law's")
    a("own default (e.g. CBP charging Section 232 on the whole value when metal content is not")
    a("declared) stays the compliance answer.")
    a("")
    a("Number format (all files): each value is parsed exactly from the source text (including")
    a("e-notation) and rounded **half-up to 4 decimal places**, then written as a plain decimal")
    a("with trailing zeros dropped: `0.0024`, `0.02`, `0`, `1`. No e-notation. Files are UTF-8,")
    a("`\\n` line ends, a header row, RFC 4180 quoting only where a field has a comma, sorted by")
    a("their key columns.")
    a("")
    a("| file | bytes | data rows |")
    a("|---|---:|---:|")
    for f in sizes:
        a(f"| `{f}` | {sizes[f]:,} | {counts[f]:,} |")
    a("")

    # ---- metal
    n = len(hts_out)
    ss = {k: 0 for k in ("steel", "aluminum", "copper")}
    for h, b in hts_out.items():
        s, al, c = bea_out[b]
        ss["steel"] += units(s)
        ss["aluminum"] += units(al)
        ss["copper"] += units(c)
    sb = {k: 0 for k in ss}
    for s, al, c in bea_out.values():
        sb["steel"] += units(s)
        sb["aluminum"] += units(al)
        sb["copper"] += units(c)
    a("## 1. Metal content: `metal-content-bea.csv` + `metal-content-hts10.csv`")
    a("")
    a(f"Source: {src_ref('metal_content_shares_bea_hs10.csv')}. Licence: MIT (repo); data")
    a("derived from the BEA 2017 Detail input-output table (domestic requirements).")
    a("")
    a("Meaning: per HTS10, the estimated share of the good's value that is steel, aluminum and")
    a("copper, from the BEA 2017 *domestic requirements* (total requirements) table of the")
    a("good's BEA detail industry (via its NAICS code). It is an industry-average estimate,")
    a("not the content of any real entry, and not law. Upstream uses it to scale Section 232")
    a("derivative duties to the metal part of the value (steel_share for steel derivatives,")
    a("aluminum_share for aluminum derivatives) before the 2026 annex regime (see upstream")
    a("`docs/assumptions.md` §2).")
    a("")
    a("**Form chosen: compact (two files).** Within the source, every HTS10 line of one BEA")
    a("detail code carries exactly the same shares (checked), so the data are stored as one row")
    a("per BEA code plus an HTS10 -> BEA map. The flat `hts10,steel,aluminum,copper` form")
    flat = len("hts10,steel,aluminum,copper\n") + sum(
        len(h) + 4 + sum(len(fmt(x)) for x in bea_out[b]) for h, b in hts_out.items())
    a(f"would be {flat:,} bytes; the compact form is "
      f"{sizes['metal-content-bea.csv'] + sizes['metal-content-hts10.csv']:,} bytes. Lookup:")
    a("`hts10 -> bea` in `metal-content-hts10.csv`, then `bea -> (steel, aluminum, copper)` in")
    a("`metal-content-bea.csv`; an HTS10 absent from the map has no estimate.")
    a("")
    a("- `metal-content-bea.csv`: `bea,steel,aluminum,copper` — BEA detail code (6 characters,")
    a("  may contain letters, e.g. `33131B`), shares as fractions of value.")
    a("- `metal-content-hts10.csv`: `hts10,bea` — HTS10 as 10 digits without dots.")
    a("")
    a("Transformation:")
    a("1. Keep `steel_share`, `aluminum_share`, `copper_share`; drop `naics`,")
    a("   `other_metal_share`, `metal_share`.")
    a("2. **Cap**: where steel+aluminum+copper > 1 (raw), scale the three proportionally so they")
    a("   sum to 1 (x / (steel+aluminum+copper)). This changes the data; the rows are listed below.")
    a("3. Round each share half-up to 4 places. Exception: where half-up rounding of a capped")
    a("   triple sums to 1.0001, the largest-remainder rule is used instead (floor each to 4")
    a("   places, give the missing 0.0001 steps to the largest remainders) so the three sum to")
    a("   exactly 1. " + (f"This happened for BEA {', '.join('`' + b + '`' for b in m['hamilton'])}"
                          " (marked * below)." if m["hamilton"] else "This never happened."))
    a("4. Keep only BEA codes (and their HTS10 lines) where at least one of the three rounded")
    a("   shares is > 0.")
    a("")
    a(f"Rows: in {m['rows_in']:,} HTS10 lines, {m['bea_in']} distinct BEA codes (incl. `NA`);")
    a(f"out {len(bea_out)} BEA rows, {n:,} HTS10 rows. Dropped "
      f"{sum(m['dropped_hts'].values())} HTS10 lines (all three shares 0):")
    for b in m["dropped_bea"]:
        a(f"- BEA `{b}`: {m['dropped_hts'][b]} lines")
    a(f"  (NAICS of the dropped lines: "
      + ", ".join(f"{k} x{v}" for k, v in sorted(m['naics_of_dropped'].items())) + ").")
    a("")
    a("Checks on the raw source (before capping):")
    a(f"- shares < 0: steel {m['comp_lt0']['steel_share']}, aluminum "
      f"{m['comp_lt0']['aluminum_share']}, copper {m['comp_lt0']['copper_share']} rows.")
    a(f"- shares > 1 (**violations of [0,1]**): steel {m['comp_gt1']['steel_share']}, aluminum "
      f"{m['comp_gt1']['aluminum_share']}, copper {m['comp_gt1']['copper_share']} rows.")
    a(f"- steel+aluminum+copper > 1 (**violations**): {m['sum3_gt1_rows']:,} HTS10 rows in "
      f"{len(m['capped'])} BEA codes; steel+aluminum+copper+other > 1: "
      f"{m['sum4_gt1_rows']:,} rows. Source `metal_share` is already capped at 1 for these.")
    a("- After capping and rounding, every output share is in [0,1] and every")
    a("  steel+aluminum+copper <= 1 (asserted by the script).")
    a("")
    a("Capped BEA codes (raw values as in the source, rounded here to 6 places for reading; all")
    a("HTS10 lines mapped to them in `metal-content-hts10.csv` are the capped rows):")
    a("")
    a("| BEA | HTS10 lines | raw steel | raw aluminum | raw copper | raw sum | written steel,aluminum,copper |")
    a("|---|---:|---:|---:|---:|---:|---|")
    for c in m["capped"]:
        r6 = [format(x.quantize(Decimal("0.000001"), ROUND_HALF_UP), "f") for x in c["raw"]]
        s6 = format(c["sum"].quantize(Decimal("0.000001"), ROUND_HALF_UP), "f")
        star = " *" if c["bea"] in m["hamilton"] else ""
        a(f"| `{c['bea']}` | {c['n']} | {r6[0]} | {r6[1]} | {r6[2]} | {s6} | "
          f"{','.join(fmt(x) for x in c['out'])}{star} |")
    a("")
    a("These are the primary-metal industries (iron and steel mills, ferroalloys, alumina and")
    a("aluminum, copper smelting/rolling, foundries): a domestic-requirements coefficient counts")
    a("the metal bought at every upstream stage (steel used to make steel), so it is not a")
    a("content fraction and can exceed 1. After capping, they read as the *mix* of the metal.")
    a("")
    a("Check figures (pin these in tests):")
    a(f"- `metal-content-bea.csv`: {len(bea_out)} data rows; `metal-content-hts10.csv`: "
      f"{n:,} data rows.")
    a(f"- Unweighted mean over the {n:,} HTS10 rows (shares as written): steel "
      f"{mean_str(ss['steel'], n)}, aluminum {mean_str(ss['aluminum'], n)}, copper "
      f"{mean_str(ss['copper'], n)} (exact sums in units of 0.0001: steel {ss['steel']}, "
      f"aluminum {ss['aluminum']}, copper {ss['copper']}).")
    nb = len(bea_out)
    a(f"- Unweighted mean over the {nb} BEA rows: steel {mean_str(sb['steel'], nb)}, aluminum "
      f"{mean_str(sb['aluminum'], nb)}, copper {mean_str(sb['copper'], nb)} (sums in 0.0001: "
      f"{sb['steel']}, {sb['aluminum']}, {sb['copper']}).")
    a("- Named lines (hts10 -> bea -> steel,aluminum,copper, exactly as written):")
    for h in METAL_EXAMPLES:
        b = hts_out[h]
        a(f"  - {dotted(h)}: `{h},{b}` -> `{b},{','.join(fmt(x) for x in bea_out[b])}`")
    autos = [h for h in sorted(m["hts_bea_all"]) if h.startswith("87032301")]
    a("  - all 8703.23.01.xx: " + "; ".join(
        f"{h[8:]} -> {hts_out[h] + ' ' + ','.join(fmt(x) for x in bea_out[hts_out[h]]) if h in hts_out else 'absent (BEA NA, dropped)'}"
        for h in autos) + ".")
    a("  - 7208.51.00.00 does not exist at 10 digits; its lines are 7208.51.00.30/.45/.60, all")
    a(f"    BEA `{hts_out['7208510030']}`.")
    a("")
    a("Quirks:")
    cs = m["ch_stats"]
    a("- SOURCES.md says primary chapters 72/73/76 are 100% metal \"by definition\". **The file")
    a("  does not say so**: that is a rule applied by upstream *code* (its `docs/assumptions.md`")
    a("  §2: products in chapters 72, 73, 76 are forced to `metal_share = 1.0`). In the source")
    a("  file:")
    for ch in ("72", "73", "76"):
        st = cs[ch]
        a(f"  chapter {ch}: {st['rows']} lines, `metal_share`=1 on {st['metal_share=1']}, "
          f"steel+aluminum+copper >= 1 on {st['steel+al+cu>=1']}, BEA `NA` (all zero) on "
          f"{st['bea=NA']}, steel >= 0.5 on {st['steel>=0.5']}, aluminum >= 0.5 on "
          f"{st['aluminum>=0.5']};")
    a("  the rest are fabricated-metal/other industries with far lower shares (e.g. BEA")
    a("  `332310` structural metal ~0.37 steel). If tariffstack wants the 100% rule for")
    a("  chapters 72/73/76 it must apply it itself; these files do not encode it.")
    h = "3304995000"
    a(f"- 3304.99.50.00 (make-up, BEA `{hts_out[h]}` toilet preparations) has **both** steel and")
    a(f"  aluminum shares (and copper): `{','.join(fmt(x) for x in bea_out[hts_out[h]])}`. Every BEA")
    a("  industry buys some of each metal, so almost every line carries small nonzero shares;")
    a("  apply them only to goods that a measure actually covers (e.g. 232 derivative lists).")
    a("- 8703.23.01.90 (used vehicles) and other used/special lines map to NAICS 930000/910000/")
    a("  980000/990000 with BEA `NA`, all shares 0 and `metal_share` 1 in the source: dropped.")
    a("  BEA `331314` (secondary aluminum smelting: 7601.20.90.45/.75, 7603.10/.20) also has all")
    a("  shares 0 with `metal_share` 1 in the source: dropped too.")
    a("- Domestic requirements measure U.S. production technology in 2017, not the imported")
    a("  good's actual bill of materials.")
    a("")

    # ---- USMCA
    a("## 2. USMCA claim shares: `usmca-2024.csv`, `usmca-2025.csv`")
    a("")
    a(f"Sources: {src_ref('usmca_product_shares_2024.csv')} and "
      f"{src_ref('usmca_product_shares_2025.csv')}. Licence: MIT (repo); data from USITC DataWeb")
    a("(public).")
    a("")
    a("Meaning: per HTS10 and partner, the share of the year's U.S. imports (value) that were")
    a("claimed under USMCA (DataWeb special program indicator `S`/`S+`). An empirical")
    a("utilization estimate, not a legal determination of origin. 2024 is pre-tariff (upstream:")
    a("CA ~38%, MX ~50% trade-weighted); 2025 reflects the rush to claim USMCA after the 2025")
    a("tariffs (CA ~67%, MX ~68% trade-weighted). The unweighted means below are much lower")
    a("because most lines have little trade and many have a 0 share.")
    a("")
    a("Columns: `hts10,CA,MX` — HTS10 as 10 digits; CA = Census 1220 (Canada), MX = Census 2010")
    a("(Mexico). Empty cell = the source has no row for that pair (0 is a real 0 share).")
    a("Transformation: only these two codes kept; one row per HTS10 (union of both countries);")
    a("shares rounded half-up to 4 places; sorted by hts10. No rows dropped.")
    a("")
    for y in (2024, 2025):
        u = us[y]
        nn = len(u["rows"])
        a(f"**{y}**: in {u['rows_in']:,} rows (hts10 x country; other country codes: "
          f"{sum(u['other'].values())}); out {nn:,} rows. Empty cells: CA {u['empty'][CA]}, MX "
          f"{u['empty'][MX]}. Shares of 0: CA {u['zero'][CA]:,}, MX {u['zero'][MX]:,}; of 1: CA "
          f"{u['one'][CA]:,}, MX {u['one'][MX]:,}. Source values in e-notation: {u['enot']}.")
        a(f"- Unweighted means over rows with a value: CA {mean_str(u['sums'][CA], u['ns'][CA])}, "
          f"MX {mean_str(u['sums'][MX], u['ns'][MX])} (exact sums in 0.0001: CA {u['sums'][CA]}, "
          f"MX {u['sums'][MX]}; n = {u['ns'][CA]:,} / {u['ns'][MX]:,}).")
        a("- Named lines, exactly as written:")
        byh = {r[0]: r for r in u["rows"]}
        for h in USMCA_EXAMPLES:
            a(f"  - {dotted(h)}: `{','.join(byh[h])}`")
        a("")
    s24 = set(r[0] for r in us[2024]["rows"])
    s25 = set(r[0] for r in us[2025]["rows"])
    mh = set(m["hts_bea_all"])
    a("Quirks:")
    a(f"- The HTS10 sets differ by year: {len(s24 & s25):,} lines in both, {len(s24 - s25)} only "
      f"in 2024, {len(s25 - s24)} only in 2025 (HTS revisions). {len(s25 - mh)} of the 2025 lines")
    a("  are not in the metal-content source.")
    a("- The 2024 source has 10 significant digits, the 2025 source full doubles (some in")
    a("  e-notation); both are exact after the 4-place rounding.")
    a("- Every HTS10 in each source has both a Canada and a Mexico row, so no cell is empty in")
    a("  these builds; the empty-cell convention is kept for future inputs.")
    a("- A line with no imports from a partner still gets a row (share 0); the data cannot tell")
    a("  \"no trade\" from \"trade but no claims\".")
    a("")

    # ---- preference use
    a("## 3. Preference use by HS chapter: `preference-use-hs2.csv` (+ `census-to-iso.csv`)")
    a("")
    a(f"Sources: {src_ref('mfn_exemption_shares_hs2.csv')} and "
      f"{src_ref('census_country_codes.csv')}. Licence: MIT (repo); data from USITC DataWeb /")
    a("Census (public).")
    a("")
    a("Meaning: per HS chapter (2 digits) and partner country, the share of U.S. imports that")
    a("entered free of the column-1 (MFN) rate under a preference program (FTA, GSP, AGOA, ...;")
    a("for CA/MX mostly USMCA). An empirical estimate of preference *use*, not eligibility.")
    a("")
    a("Columns: `hs2,country,share` — hs2 two digits; country ISO 3166-1 alpha-2 (mapped from the")
    a("Census code by name through `census-to-iso.csv`); share rounded half-up to 4 places.")
    a("Sorted by hs2 then country. Rows whose share rounds to 0 are kept (the source had a row).")
    a("")
    dropped_rows = sum(pref["dropped"].values())
    a(f"Rows: in {pref['rows_in']:,}; out {len(pref['keys']):,}; dropped {dropped_rows} (census "
      "codes with no ISO mapping: " + (", ".join(f"{c} x{k}" for c, k in
                                          sorted(pref['dropped'].items())) or "none") + ").")
    a(f"{len(pref['hs2'])} chapters, {len(pref['countries'])} countries. Shares written as 0: "
      f"{pref['zero']}; as 1: {pref['one']:,}. Source values in e-notation: {pref['enot']}.")
    a(f"- Unweighted mean share over all rows: {mean_str(pref['sum'], len(pref['keys']))} "
      f"(exact sum in 0.0001: {pref['sum']}).")
    a("- Named lines, exactly as written:")
    for k in PREF_EXAMPLES:
        a(f"  - `{k[0]},{k[1]},{fmt(pref['out'][k])}`")
    missing = [f"{i:02d}" for i in range(1, 98) if f"{i:02d}" not in pref["hs2"]]
    a(f"- Chapters absent from the source: {', '.join(missing)}. 77 is reserved; the others")
    a("  (fertilizers, pulp, paper, printed matter, art) are (almost) all MFN-free, so there is")
    a("  nothing for a preference to exempt, presumably why the source has no rows for them.")
    a("  A missing (hs2, country) pair means \"no estimate\", not necessarily 0.")
    a("")
    a("`census-to-iso.csv`: `cty_code,iso2,name` — every Census Schedule C code that could be")
    a(f"mapped ({len(cen['mapped'])} of {cen['rows_in']}), name as in the Census list. Mapping is by")
    a("name against the ISO 3166-1 list, with these hand matches: Denmark, except Greenland ->")
    a("DK; Germany (Federal Republic of Germany) -> DE; Russia -> RU; Turkey -> TR; Burma -> MM;")
    a("Laos -> LA; Brunei -> BN; North/South Korea -> KP/KR; Holy See -> VA; Sint Maarten -> SX;")
    a("Curacao -> CW; Reunion -> RE; Cote d'Ivoire -> CI; Saint Helena -> SH; Pitcairn Islands ->")
    a("PN; French Southern and Antarctic Lands -> TF; Congo (Republic) -> CG; Congo (Democratic")
    a("Republic) -> CD; Falkland Islands -> FK; Christmas Island -> CX; Samoa -> WS; etc.")
    a("Notes: Gaza Strip (5082) and West Bank (5083) both map to PS (only 5083 occurs in the")
    a("preference data); Denmark 4099 excludes Greenland (1010 -> GL); Namibia's code is the")
    a("string `NA` (do not treat it as missing); Taiwan 5830 -> TW, Hong Kong 5820 -> HK,")
    a("Macao 5660 -> MO are separate from China 5700 -> CN. The Census name of 7660 is")
    a("truncated in the source (\"... (formerly Za\") and is kept as is.")
    a("")
    a("Unmapped codes:")
    for code, nm in cen["unmapped"]:
        nd = pref["dropped"].get(code, 0)
        a(f"- {code} {nm}: {UNMAPPED_REASON.get(nm, 'no ISO 3166-1 match')}; "
          f"{nd} preference rows dropped")
    a("")
    return "\n".join(L) + "\n"


def main() -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", nargs="?", default=DEFAULT_SRC, help="input folder")
    ap.add_argument("--out", default=str(here.parent / "assumptions"), help="output folder")
    args = ap.parse_args()
    src, out = Path(args.src), Path(args.out)
    for f in UPSTREAM:
        if not (src / f).is_file():
            raise Fail(f"missing input {src / f}")
    out.mkdir(parents=True, exist_ok=True)

    m = build_metal(src)
    us = {y: build_usmca(src, y) for y in (2024, 2025)}
    cen = build_census(src)
    pref = build_pref(src, cen)

    for h in METAL_EXAMPLES:
        if h not in m["hts_out"]:
            raise Fail(f"metal example {h} not in output")
    for y in us:
        hs = {r[0] for r in us[y]["rows"]}
        for h in USMCA_EXAMPLES:
            if h not in hs:
                raise Fail(f"USMCA {y} example {h} not in output")
    for k in PREF_EXAMPLES:
        if k not in pref["out"]:
            raise Fail(f"preference example {k} not in output")

    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}

    def put(fname: str, header: list[str], rows: list[list[str]]) -> None:
        sizes[fname] = write_csv(out / fname, header, rows)
        counts[fname] = len(rows)

    put("metal-content-bea.csv", ["bea", "steel", "aluminum", "copper"],
        [[b] + [fmt(x) for x in m["bea_out"][b]] for b in sorted(m["bea_out"])])
    put("metal-content-hts10.csv", ["hts10", "bea"],
        [[h, m["hts_out"][h]] for h in sorted(m["hts_out"])])
    for y in (2024, 2025):
        put(f"usmca-{y}.csv", ["hts10", "CA", "MX"], us[y]["rows"])
    put("preference-use-hs2.csv", ["hs2", "country", "share"],
        [[k[0], k[1], fmt(pref["out"][k])] for k in pref["keys"]])
    put("census-to-iso.csv", ["cty_code", "iso2", "name"],
        [[c, cen["mapped"][c][0], cen["mapped"][c][1]] for c in sorted(cen["mapped"])])

    text = readme(m, us, cen, pref, sizes, counts)
    (out / "README.md").write_bytes(text.encode("utf-8"))
    # Print the check figures (the README's content) to stdout.
    sys.stdout.write(text)
    if cen["unused"]:
        sys.stdout.write(f"\nWARNING: names in NAME_TO_ISO2 not in the census list: "
                         f"{cen['unused']}\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        sys.stderr.write(f"make_assumptions: {e}\n")
        sys.exit(1)
