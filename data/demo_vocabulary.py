"""The demo company's world: its calendar, plans, markets, channels, people, company names and the words
its customers write (NPS comments, ticket subjects, CSAT comments). Constants only; `data.make_demo` draws
from them.
"""

from __future__ import annotations

import datetime as dt

# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------
WINDOW_START = dt.datetime(2023, 11, 1)
EXPORT_AT = dt.datetime(2026, 10, 31, 23, 59)
N_MONTHS = 36
DETAIL_START = dt.date(2026, 8, 1)  # product events: full daily detail from here
DAY = dt.timedelta(days=1)


def add_months(d: dt.datetime, k: int) -> dt.datetime:
    y, m = divmod(d.month - 1 + k, 12)
    year, month = d.year + y, m + 1
    last = _days_in_month(year, month)
    return d.replace(year=year, month=month, day=min(d.day, last))


def _days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


MONTH_STARTS = [add_months(WINDOW_START, i) for i in range(N_MONTHS)]
MONTH_ENDS = [add_months(WINDOW_START, i + 1).date() - DAY for i in range(N_MONTHS)]

# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------
PLAN_PRICES = {"Starter": 29.0, "Growth": 59.0, "Scale": 99.0}
PLAN_ORDER = ["Starter", "Growth", "Scale"]
ADDON_PLAN, ADDON_PRICE = "Extra workspace", 19.0
INTERVAL_PRICE_MULT = {"month": 1, "quarter": 3, "year": 10}  # annual = 2 months free
INTERVAL_MONTHS = {"month": 1, "quarter": 3, "year": 12}
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
# A sales-led enterprise deal closes only every few months.
ENTERPRISE_DEAL_MONTHS = (9, 16, 23, 28, 33)

COUNTRIES = ["France", "Belgium", "Switzerland", "Germany", "Spain", "UK", "Netherlands", "Canada"]
COUNTRY_P = [0.55, 0.10, 0.07, 0.07, 0.05, 0.07, 0.05, 0.04]
FRENCH_SPEAKING_P = {"France": 0.6, "Belgium": 0.45, "Switzerland": 0.35, "Canada": 0.35}

CHANNELS = ["Organic search", "Paid search", "Outbound", "Referral", "Partner", "Events"]
CHANNEL_HEALTH = {"Organic search": 0.0, "Paid search": -0.2, "Outbound": -0.1,
                  "Referral": 0.35, "Partner": 0.15, "Events": 0.0}
CHANNEL_P = {
    "SMB": [0.38, 0.27, 0.05, 0.15, 0.09, 0.06],
    "Mid-Market": [0.20, 0.15, 0.25, 0.15, 0.10, 0.15],
    "Enterprise": [0.05, 0.05, 0.50, 0.10, 0.10, 0.20],
}
FOUNDER = "Marc Delorme"
SMB_REPS = ["Camille Laurent", "Thomas Girard", "Léa Fontaine"]
MM_REPS = ["Julien Marchand", "Sophie Keller", "Antoine Roussel"]

# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------
FR_SURNAMES = [
    "Dupré", "Moreau", "Lefèvre", "Girard", "Bonnet", "Faure", "Mercier", "Rousseau", "Blanc",
    "Guérin", "Henry", "Roussel", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
    "Fontaine", "Chevalier", "Robin", "Masson", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire",
    "Duval", "Joly", "Roche", "Noël", "Meyer", "Lucas", "Meunier", "Marchand", "Dufour",
    "Blanchard", "Brun", "Barbier", "Arnaud", "Carpentier", "Lambert", "Bertrand", "Renard",
    "Leclerc", "Colin", "Vidal", "Caron", "Picard", "Roux", "Fournier", "Garnier", "Chauvin",
    "Benoît", "Lacroix", "Hébert", "Leroux", "Besson", "Marty", "Aubert", "Huet", "Giraud",
    "Pelletier", "Vasseur", "Charpentier", "Ménard", "Lebrun", "Boucher", "Bouvier", "Tessier",
]
FR_TRADES = [
    "Boulangerie", "Pharmacie", "Clinique", "Transports", "Hôtel", "Restaurant", "Garage",
    "Cabinet", "Crèche", "Maison", "Groupe", "Logistique", "Nettoyage", "Sécurité", "Résidence",
    "Brasserie", "Ambulances", "Agence", "Laboratoire", "Centre dentaire", "Traiteur",
    "Fromagerie", "Conciergerie", "Optique", "Boucherie", "Camping", "Auto-école", "Imprimerie",
    "Services", "Propreté",
]
FR_PLACES = ["l'Étoile", "l'Opéra", "l'Église", "l'Orangerie", "l'Horloge", "l'Arsenal",
             "l'Île", "l'Écluse", "l'Abbaye", "l'Yser"]
FR_PLACE_TRADES = ["Hôtel de", "Brasserie de", "Pharmacie de", "Café de", "Résidence de",
                   "Boulangerie de", "Crèche de"]
DE_SURNAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker",
               "Hoffmann", "Schäfer", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
               "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Vogel", "Keller"]
DE_TRADES = ["Logistik", "Pflegedienst", "Gastronomie", "Reinigung", "Sicherheitsdienst",
             "Bäckerei", "Hotel", "Praxis", "Handel", "Service", "Personaldienste"]
UK_SURNAMES = ["Brightwell", "Holloway", "Ashford", "Whitmore", "Carter", "Fletcher", "Hughes",
               "Bennett", "Thornton", "Pemberton", "Hargreaves", "Clarke", "Turner", "Walsh",
               "Doyle", "Marsh", "Kingsley", "Radcliffe", "Osborne", "Lawson"]
UK_TRADES = ["Care", "Logistics", "Hospitality", "Cleaning", "Security", "Dental", "Retail",
             "Catering", "Healthcare", "Staffing", "Leisure"]
ES_SURNAMES = ["García", "Fernández", "López", "Martín", "Sánchez", "Romero", "Navarro",
               "Torres", "Domínguez", "Vázquez", "Ruiz", "Moreno", "Muñoz", "Álvarez",
               "Jiménez", "Ortega", "Castillo"]
ES_TRADES = ["Clínica", "Hoteles", "Logística", "Limpiezas", "Restaurantes", "Farmacia",
             "Servicios", "Seguridad", "Residencia"]
NL_SURNAMES = ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
               "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Hendriks", "van Leeuwen"]
NL_TRADES = ["Logistiek", "Zorg", "Schoonmaak", "Horeca", "Beveiliging", "Bakkerij",
             "Kinderopvang"]

FIRST_NAMES = {
    "fr": ["Camille", "Julie", "Nicolas", "Thomas", "Sarah", "Léa", "Hugo", "Manon", "Lucas",
           "Chloé", "Antoine", "Émilie", "Mathieu", "Claire", "Pierre", "Inès", "Maxime",
           "Pauline", "Julien", "Céline", "Sébastien", "Aurélie", "François", "Hélène"],
    "de": ["Anna", "Lukas", "Jonas", "Lea", "Felix", "Laura", "Maximilian", "Sophie", "Jan",
           "Katharina", "Tobias", "Jana"],
    "en": ["James", "Olivia", "Harry", "Emily", "George", "Amelia", "Jack", "Sophie", "Oliver",
           "Grace", "William", "Chloe", "Daniel", "Hannah"],
    "es": ["Lucía", "Pablo", "María", "Javier", "Carmen", "Diego", "Elena", "Sergio", "Laura",
           "Álvaro"],
    "nl": ["Sanne", "Daan", "Lotte", "Bram", "Eva", "Thijs", "Femke", "Ruben"],
}
LAST_NAMES = {
    "fr": FR_SURNAMES, "de": DE_SURNAMES, "en": UK_SURNAMES, "es": ES_SURNAMES,
    "nl": NL_SURNAMES,
}
COUNTRY_LANG = {"France": "fr", "Belgium": "fr", "Switzerland": "fr", "Canada": "fr",
                "Germany": "de", "UK": "en", "Spain": "es", "Netherlands": "nl"}
TLD = {"France": "fr", "Belgium": "be", "Switzerland": "ch", "Germany": "de", "Spain": "es",
       "UK": "co.uk", "Netherlands": "nl", "Canada": "ca"}
LEGAL_SUFFIXES = {
    "France": (["SAS", "SARL", "SA", ""], [0.45, 0.3, 0.1, 0.15]),
    "Belgium": (["SRL", "SA", "SPRL", "BV"], [0.45, 0.25, 0.2, 0.1]),
    "Switzerland": (["SA", "Sàrl", "AG", ""], [0.4, 0.35, 0.15, 0.1]),
    "Canada": (["Inc.", "Ltée", ""], [0.6, 0.3, 0.1]),
    "Germany": (["GmbH", "GmbH & Co. KG", "AG"], [0.75, 0.18, 0.07]),
    "UK": (["Ltd", "Limited", "plc"], [0.8, 0.15, 0.05]),
    "Spain": (["S.L.", "S.A."], [0.8, 0.2]),
    "Netherlands": (["B.V.", ""], [0.9, 0.1]),
}

# --------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------
NPS_COMMENTS = {
    ("en", "promoter"): [
        "The shared schedule saves us hours every week.",
        "Shift swaps used to be a nightmare, now the team handles them on their own.",
        "Super easy to roll out to the whole team.",
        "Great support, always quick to answer.",
        "The mobile app is exactly what our staff needed.",
        "We stopped using spreadsheets for rotas entirely.",
        "Onboarding was smooth, our managers loved it.",
        "Best scheduling tool we have tried.",
        "Absences and planning in one place, brilliant.",
        "Reliable and simple. Does what it says.",
        "Our managers save half a day per week on planning.",
        "Love the notifications when a shift changes.",
        "Great product.\nWould love a payroll integration next!",
    ],
    ("en", "passive"): [
        "Good product, but reporting could be more flexible.",
        "Works well, the mobile app is a bit slow sometimes.",
        "Does the job. Would like a payroll integration.",
        "Nice tool, the price went up a bit though.",
        "Solid, but setting up shift templates takes time.",
        "Fine overall, a few bugs with time zones.",
        "We use it daily, still missing an API for our HR system.",
        "Good, but the interface could look more modern.",
    ],
    ("en", "detractor"): [
        "Too expensive for what we use.",
        "The Excel export keeps crashing.",
        "Support took days to answer our ticket.",
        "Too complicated for our small team.",
        "We had several outages during busy weeks.",
        "Missing integrations with our payroll software.",
        "The app logs us out all the time.",
        "Our staff never really adopted it.",
        "Per-seat pricing doesn't work for seasonal workers.",
        'Reports are wrong when people work night shifts, "total hours" is off.',
    ],
    ("fr", "promoter"): [
        "Le planning partagé nous fait gagner un temps fou.",
        "Les échanges de créneaux se font tout seuls maintenant.",
        "Très simple à déployer auprès des équipes.",
        "Support réactif et sympa, merci !",
        "L'appli mobile est parfaite pour nos équipes terrain.",
        "On a enfin abandonné les tableaux Excel.",
        "Nos managers gagnent une demi-journée par semaine.",
        "Outil clair, nos salariés l'ont adopté en une semaine.",
        "La gestion des absences est top.",
        "Rien à redire, ça marche.",
        "Les notifications de changement de planning sont très pratiques.",
        "Meilleur outil de planning qu'on ait testé.",
        "Très bon outil.\nVivement l'intégration avec la paie !",
    ],
    ("fr", "passive"): [
        "Bon produit mais les rapports manquent de souplesse.",
        "Ça fait le job, il manque une intégration paie.",
        "Bien, mais l'application mobile est parfois lente.",
        "Correct, le prix a un peu augmenté.",
        "Paramétrage des modèles de planning un peu long.",
        "Pratique au quotidien, l'interface pourrait être plus moderne.",
        "Quelques bugs avec les horaires de nuit.",
        "Satisfaits dans l'ensemble, on attend l'API.",
    ],
    ("fr", "detractor"): [
        "L'export Excel plante souvent.",
        "Trop cher pour l'usage qu'on en a.",
        "Le support met plusieurs jours à répondre.",
        "Trop compliqué pour une petite équipe.",
        "Plusieurs pannes pendant nos semaines chargées.",
        "Pas d'intégration avec notre logiciel de paie.",
        "L'appli nous déconnecte sans arrêt.",
        "Nos équipes ne l'utilisent pas vraiment.",
        "La tarification par siège ne marche pas avec nos saisonniers.",
        "Les heures de nuit sont mal comptées dans les rapports.",
    ],
}
TICKET_SUBJECTS = {
    "en": {
        "bug": ["Cannot export schedule to Excel", "Mobile app crashes on login",
                "Night shift hours calculated wrong", "Notifications not sent to staff",
                "Timezone issue on schedule", "Schedule empty after update"],
        "howto": ["How do I add a new employee?", "Shift swap request stuck",
                  "Public holiday settings", "Import employees from CSV",
                  "API access question", "SSO / SAML setup", "Password reset not received"],
        "billing": ["Invoice request", "Change billing address", "Upgrade to Growth plan",
                    "Remove seats", "VAT number on invoice"],
        "cancel": ["Cancel subscription", "How to close our account"],
    },
    "fr": {
        "bug": ["Export Excel ne fonctionne pas", "L'application mobile plante",
                "Heures de nuit mal calculées", "Notifications non reçues",
                "Bug : planning vide après mise à jour"],
        "howto": ["Ajouter un salarié", "Problème d'échange de créneau",
                  "Paramétrer les jours fériés", "Import des salariés depuis un CSV",
                  "Intégration avec notre logiciel de paie", "Réinitialisation du mot de passe"],
        "billing": ["Demande de facture", "Changer l'adresse de facturation",
                    "Passer à l'offre Scale", "Supprimer des utilisateurs",
                    "Numéro de TVA sur la facture"],
        "cancel": ["Résiliation de l'abonnement", "Fermeture de notre compte"],
    },
}
CSAT_COMMENTS = {
    "good": ["Rapide et efficace", "Merci pour votre aide !", "Problème résolu, merci",
             "Réponse claire", "Quick and helpful", "Thanks!", "Great support as always",
             "Very patient agent"],
    "bad": ["Trop long à résoudre", "Pas vraiment résolu", "Still not fixed",
            "Had to explain twice", "Réponse à côté de la question", "Slow answer"],
}
