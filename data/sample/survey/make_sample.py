"""Writes the bundled sample survey export (synthetic respondents, example.fi addresses,
made-up 040 1xx numbers):
python data/sample/survey/make_sample.py"""

import csv
import random
from pathlib import Path

FIRST = ["Aino", "Eero", "Helmi", "Juho", "Kaisa", "Lauri", "Minna", "Olli", "Pia", "Sami", "Tiina", "Ville", "Elsa",
         "Karl", "Linnea", "Oskar", "Sara", "Anton"]
LAST = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Lindholm", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen",
        "Saarinen", "Björk", "Nyström"]
REGIONS = ["Uusimaa", "Pirkanmaa", "Varsinais-Suomi", "Pohjois-Pohjanmaa", "Lappi"]
CHANNELS = ["verkkokauppa", "myymälä", "puhelin", "sovellus"]
COMMENTS = ["Palvelu oli nopeaa, kiitos!", "Toivoisin pidempiä aukioloaikoja.", "",
            "Soittakaa minulle numeroon {phone}, haluan kertoa lisää.", "Myyjä {first} oli todella avulias.",
            "Laskutuksessa oli virhe, tilinumeroni on FI21 1234 5600 0007 85.", "", "Ei kommentoitavaa.",
            "Lähettäkää tarjous osoitteeseen {email}"]


def main() -> None:
    rng = random.Random(2026)
    rows = []
    for i in range(1, 161):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{i}@example.fi".lower().replace("ä", "a").replace("ö", "o")
        phone = f"040 1{rng.randint(0, 99):02d} {rng.randint(0, 9999):04d}"
        comment = rng.choice(COMMENTS).format(phone=phone, email=email, first=rng.choice(FIRST))
        rows.append({
            "Vastaustunnus": f"W{10000 + i}", "Nimi": f"{first} {last}", "Sähköposti": email, "Puhelin": phone,
            "Maakunta": rng.choices(REGIONS, weights=[40, 20, 20, 12, 8])[0],
            "Ikäryhmä": rng.choices(["18-34", "35-54", "55+"], weights=[30, 40, 30])[0],
            "Kuinka tyytyväinen olet palveluumme? (1-5)": str(rng.choices([1, 2, 3, 4, 5], weights=[4, 8, 20, 40, 28])[0]),
            "Mitä kanavia käytät?": ";".join(sorted(rng.sample(CHANNELS, rng.randint(1, 3)))),
            "Ostojesi määrä vuodessa (€)": str(round(rng.lognormvariate(6, 0.8))),
            "Vapaa palaute": comment,
            "Tietoni saa luovuttaa tilaajalle": rng.choices(["Kyllä", "Ei"], weights=[30, 70])[0],
            "Osallistun arvontaan": rng.choices(["Kyllä", "Ei"], weights=[60, 40])[0],
        })
    path = Path(__file__).with_name("answers.csv")
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # as Webropol writes it: BOM and semicolons
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
