package triage

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hotline-al/hotline/hotline"
)

var testClassifier = MustNew()

func TestCountySpellings(t *testing.T) {
	// Every county's seat: indefinite and definite, with and without
	// diacritics, lower case, genitive after "e".
	for _, ct := range hotline.Counties {
		forms := []string{ct.Name, ct.Definite, hotline.Fold(ct.Name), hotline.Fold(ct.Definite), strings.ToUpper(ct.Definite)}
		for _, f := range forms {
			for _, text := range []string{"Jam në " + f + " dhe më mbajnë të mbyllur", "vajzat e mbajne ne " + f} {
				got := testClassifier.Classify(text)
				if got.County != ct.Code || got.Municipality != ct.Name {
					t.Errorf("%q: county %q municipality %q, want %s %s", text, got.County, got.Municipality, ct.Code, ct.Name)
				}
			}
		}
	}
	for _, tc := range []struct{ text, county, muni string }{
		{"Ndihmë, jam në Shkodër", "AL-10", "Shkodër"},
		{"Ndihmë, jam në Shkodra", "AL-10", "Shkodër"},
		{"ndihme jam ne shkoder", "AL-10", "Shkodër"},
		{"ndihme jam ne shkodra", "AL-10", "Shkodër"},
		{"vajza e Shkodrës punon në lokal", "AL-10", "Shkodër"},
		{"jam ne shkodr, me kan mbyll", "AL-10", "Shkodër"}, // typo, with context
		{"Durrësit i thonë qytet bregdetar", "AL-02", "Durrës"},
		{"nga Tiranës", "AL-11", "Tiranë"},
		{"ne Korça", "AL-06", "Korçë"},
		{"te Gjirokastrës", "AL-05", "Gjirokastër"},
		{"ne Elbsan", "AL-03", "Elbasan"}, // typo
		{"Tirnana, me detyrojne", "AL-11", "Tiranë"},
		{"Fier: vajzat detyrohen", "AL-04", "Fier"},
		{"qarku i Korçës ka nevojë", "AL-06", ""}, // the county, not the municipality
		{"qarku i Korçës, në Pogradec", "AL-06", "Pogradec"},
		{"ne rrugen e Durresit ne Tirane", "AL-11", "Tiranë"},  // a street named after a town
		{"jam nga Fieri por punoj ne Vlore", "AL-12", "Vlorë"}, // where it happens beats where one comes from
		{"Vau i Dejës", "AL-10", "Vau i Dejës"},
		{"ne Fushe Arrez", "AL-10", "Fushë-Arrëz"},
		{"ne Malesine e Madhe", "AL-10", "Malësi e Madhe"},
		{"ne Ure Vajgurore", "AL-01", "Dimal"},
	} {
		got := testClassifier.Classify(tc.text)
		if got.County != tc.county || got.Municipality != tc.muni {
			t.Errorf("%q: county %q municipality %q, want %q %q (%v)", tc.text, got.County, got.Municipality, tc.county, tc.muni, got.Reasons)
		}
	}
}

func TestTowns(t *testing.T) {
	for _, tc := range []struct{ text, county, muni string }{
		{"Jam në Peshkopi", "AL-09", "Dibër"},
		{"ne peshkopi", "AL-09", "Dibër"},
		{"nga Peshkopia", "AL-09", "Dibër"},
		{"ne Burrel", "AL-09", "Mat"},
		{"ne Rrëshen", "AL-08", "Mirditë"},
		{"ne Laç", "AL-08", "Kurbin"},
		{"ne Bajram Curri", "AL-07", "Tropojë"},
		{"ne Krumë", "AL-07", "Has"},
		{"ne Koplik", "AL-10", "Malësi e Madhe"},
		{"ne Ballsh", "AL-04", "Mallakastër"},
		{"ne Ersekë", "AL-06", "Kolonjë"},
		{"ne Bilisht", "AL-06", "Devoll"},
		{"ne Çorovodë", "AL-01", "Skrapar"},
		{"ne Corovode", "AL-01", "Skrapar"},
		{"ne Golem", "AL-11", "Kavajë"},
		{"ne Mali i Robit", "AL-11", "Kavajë"},
		{"ne Rinas", "AL-02", "Krujë"},
	} {
		got := testClassifier.Classify(tc.text)
		if got.County != tc.county || got.Municipality != tc.muni {
			t.Errorf("%q: county %q municipality %q, want %q %q", tc.text, got.County, got.Municipality, tc.county, tc.muni)
		}
	}
}

func TestAmbiguousPlaceNames(t *testing.T) {
	for _, tc := range []struct{ text, county string }{
		{"Has anyone called this number?", ""},
		{"she has a new job", ""},
		{"Ne Has nje familje", "AL-07"},
		{"Punon ne has", "AL-07"},
		{"Mat the dog ate my homework", ""},
		{"a yoga mat", ""},
		{"Në Mat ka një hotel", "AL-09"},
		{"I want to puke", ""},
		{"In Puke there is a bar", "AL-10"},
		{"nga Pukë", "AL-10"},
		{"fier is a fern", ""},
		{"tek lokali ne fier", "AL-04"},
		{"Flora says hi", ""},
		{"Motra ime Flora punon", ""},
		{"Flora po e rrahin", ""},
		{"ne Flora mbajne vajza", "AL-12"}, // one typo from Vlora, after a place preposition
		{"Pukë", "AL-10"},                  // with its ë it is not English "puke"
		{"Has", ""},
		{"Mat", ""},
		{"puke", ""},
		{"ne shkdoer mbajne vajza", "AL-10"}, // two letters swapped: one edit
		{"ne elabsan punojne", "AL-03"},
		{"Mirdita, kam nje pyetje", ""},
		{"Mirëdita, kam nje pyetje", ""},
		{"Vajza nga Mirdita", "AL-08"},
		{"the golem of Prague", ""},
		{"you need a work permit", ""},
		{"by force", ""},
	} {
		if got := testClassifier.Classify(tc.text); got.County != tc.county {
			t.Errorf("%q: county %q, want %q (%v)", tc.text, got.County, tc.county, got.Reasons)
		}
	}
}

func TestBorderCrossings(t *testing.T) {
	for _, tc := range []struct{ text, crossing, county, muni string }{
		{"Ne Kakavije po kalojne kufirin", "Kakavijë", "AL-05", ""},
		{"te Tre Urat", "Tre Urat", "AL-05", ""},
		{"ne Kapshtice", "Kapshticë", "AL-06", ""},
		{"ne Qafe Bote", "Qafë Botë", "AL-12", ""},
		{"te Qafe Thana", "Qafë Thanë", "AL-03", ""},
		{"te tushemishti", "Tushemisht", "AL-06", ""},
		{"pika e kalimit Bllatë", "Bllatë", "AL-09", ""},
		{"Te Morina", "Morinë", "AL-07", ""},
		{"ne Qafe Prush", "Qafë Prush", "AL-07", ""},
		{"ne Hanin e Hotit", "Hani i Hotit", "AL-10", ""},
		{"te Muriqani", "Muriqan", "AL-10", ""},
		{"at Rinas airport", "Rinas", "AL-02", "Krujë"},
		{"ne aeroportin e Tiranës", "Rinas", "AL-02", "Krujë"},
		{"ne portin e Durresit", "Port of Durrës", "AL-02", "Durrës"},
		{"port of Vlora", "Port of Vlorë", "AL-12", "Vlorë"},
		{"Në portin e Sarandës", "Port of Sarandë", "AL-12", "Sarandë"},
		{"ne portin e Shengjinit", "Port of Shëngjin", "AL-08", "Lezhë"},
		{"ne Durres, hoteli afer portit", "", "AL-02", "Durrës"},
		{"ne Shengjin ne plazh", "", "AL-08", "Lezhë"},
	} {
		got := testClassifier.Classify(tc.text)
		if got.BorderCrossing != tc.crossing || got.County != tc.county || got.Municipality != tc.muni {
			t.Errorf("%q: %q %q %q, want %q %q %q", tc.text, got.BorderCrossing, got.County, got.Municipality, tc.crossing, tc.county, tc.muni)
		}
	}
	got := testClassifier.Classify("Ne Kakavije nje burre po kalon me nje vajze qe qan, tani")
	if got.Scope != hotline.ScopeInternational || !got.DangerNow || got.Level != hotline.LevelP1 {
		t.Errorf("crossing with danger: %+v", got)
	}
}

func TestChild(t *testing.T) {
	for _, tc := range []struct {
		text  string
		child bool
	}{
		{"vajza 15 vjeç", true},
		{"djali i klasës së pestë punon natën në furrë", true}, // school-age words
		{"vajza 15 vjece", true},
		{"vajza 15 vjec", true},
		{"djalë 12 vjeç", true},
		{"15vjece", true},
		{"16-vjeçare", true},
		{"nje vajze e mitur", true},
		{"i mitur", true},
		{"fëmijë lypin", true},
		{"femijet", true},
		{"a minor", true},
		{"a girl of 14", true},
		{"my niece is 17", true},
		{"a 12-year-old boy", true},
		{"kids 11 12 yo", true},
		{"nxënëse e gjimnazit", true},
		{"vajzave te shkolles", true},
		{"schoolgirls", true},
		{"a teenage boy", true},
		{"pesëmbëdhjetë vjeç", true},
		{"vajza 18-25 vjeç", false},
		{"jam 19 vjec", false},
		{"she's 22", false},
		{"punon 14 orë në ditë", false},
		{"ka 5 vjet qe punon atje", false},
		{"jemi 6 vete", false},
		{"punë si kujdestare fëmijësh", false},
		{"burra te rritur", false},
	} {
		if got := testClassifier.Classify(tc.text); got.Child != tc.child {
			t.Errorf("%q: child %v, want %v (%v)", tc.text, got.Child, tc.child, got.Reasons)
		}
	}
}

func TestDangerNow(t *testing.T) {
	for _, tc := range []struct {
		text   string
		danger bool
	}{
		{"më mbajnë të mbyllur", true},
		{"help now", true},
		{"ndihme tani", true},
		{"me mbajne te mbyllur", true},
		{"po më rrahin", true},
		{"po me rrahin tani", true},
		{"help now they locked me in", true},
		{"locked in a room", true},
		{"nuk më lënë të dal", true},
		{"s'me lene te iki", true},
		{"I can't leave", true},
		{"they threaten to kill me", true},
		{"më kërcënojnë me armë", true},
		{"po e fusin me forcë në makinë", true},
		{"tani po e çojnë në kufi, e kanë marrë me forcë", true},
		{"FITO 1000€ TANI! Kliko ketu", false},
		{"Kredi te shpejta, telefono tani", false},
		{"a ka pune ne hotel?", false},
		{"shefi mban pasaportat", false},
		{"vite më parë më mbanin", false},
	} {
		got := testClassifier.Classify(tc.text)
		if got.DangerNow != tc.danger {
			t.Errorf("%q: danger_now %v, want %v (%v)", tc.text, got.DangerNow, tc.danger, got.Reasons)
		}
		if tc.danger && got.Level != hotline.LevelP1 {
			t.Errorf("%q: danger now but level %s", tc.text, got.Level)
		}
	}
}

func TestOfficialComplicity(t *testing.T) {
	for _, tc := range []struct {
		text string
		yes  bool
	}{
		{"policia i mbron, lokali vazhdon", true},
		{"e mbron policia", true},
		{"polici e di qe aty mbajne vajza", true},
		{"zyrtari merr para nga trafikantet", true},
		{"the police are involved", true},
		{"the border guard takes bribes at Kakavija", true},
		{"doganieret marrin ryshfet", true},
		{"policët vijnë si klientë", true},
		{"nje polic kufitar i ndihmoi te kaloje me femije", true},
		{"thirrni policinë, po e rrahin", false},
		{"a mund te me thoni numrin e policise?", false},
		{"Will the police contact me?", false},
		{"pronari i kërcënon me policinë", false},
		{"Policia e Fierit bashkepunon me trafikantet qe me mbajne mua", true}, // complicity precedes self-identification
		{"The police in Vlora work with the traffickers", true},
		{"Dua te bashkepunoj me policine per te ndihmuar", false},
		{"Deshmitari bashkepunon me policine", false},
	} {
		got := testClassifier.Classify(tc.text)
		if (got.Intake == hotline.IntakeOfficialComplicity) != tc.yes {
			t.Errorf("%q: intake %s, complicity want %v (%v)", tc.text, got.Intake, tc.yes, got.Reasons)
		}
	}
}

func TestLevelsAndIntake(t *testing.T) {
	for _, tc := range []struct {
		text   string
		level  hotline.Level
		intake string
		forms  []string
		scope  string
	}{
		{"Jam dëshmitare në gjyq dhe më kërcënojnë", hotline.LevelP1, hotline.IntakeWitnessThreat, nil, "unknown"},
		// witness_threat precedes official_complicity precedes self_identification
		{"Jam viktime, policia merr para nga trafikantet dhe me kercenojne qe te mos deshmoj ne gjyq", hotline.LevelP1, hotline.IntakeWitnessThreat, nil, "unknown"},
		{"Më detyrojnë të dal me klientë në Durrës", hotline.LevelP1, hotline.IntakeSelfIdentification, []string{"sexual"}, "internal"},
		{"ndihme", hotline.LevelP1, hotline.IntakeSelfIdentification, nil, "unknown"},
		{"Motra ime ndodhet në Itali, i dashuri e detyron të prostituojë", hotline.LevelP2, hotline.IntakeAbroad, []string{"sexual"}, "international"},
		{"Në Fier punëtorët punojnë pa pagesë dhe pronari ua mban pasaportat", hotline.LevelP2, hotline.IntakeThirdParty, []string{"labour"}, "internal"},
		{"Në Vlorë një burrë i sjell gra për të lypur dhe u merr paratë", hotline.LevelP2, hotline.IntakeThirdParty, []string{"begging"}, "internal"},
		{"dikush ofron para per te shitur veshken", hotline.LevelP2, hotline.IntakeThirdParty, []string{"organ_removal"}, "unknown"},
		{"Në Facebook kërkohen vajza për punë në Itali, më duket e dyshimtë", hotline.LevelP3, hotline.IntakeThirdParty, nil, "international"},
		{"A është e sigurt një ofertë pune në Gjermani?", hotline.LevelP4, hotline.IntakeInformationRequest, nil, "international"},
		{"test", hotline.LevelP4, hotline.IntakeOther, nil, "unknown"},
		{"vajza 16 vjece e shitur ne Itali", hotline.LevelP1, hotline.IntakeThirdParty, nil, "international"}, // a child sold
		{"trafikojne vajza nga Elbasani ne Kosove", hotline.LevelP3, hotline.IntakeThirdParty, nil, "international"},
		{"Cfare eshte trafikimi i qenieve njerezore?", hotline.LevelP4, hotline.IntakeInformationRequest, nil, "unknown"},
		{"", hotline.LevelP4, hotline.IntakeOther, nil, "unknown"},
		{"hahaha me trafikon zemra per ty", hotline.LevelP4, hotline.IntakeOther, nil, "unknown"},
		{"Burri më rreh shpesh kur pi, ku mund të drejtohem?", hotline.LevelP4, hotline.IntakeInformationRequest, nil, "unknown"},
	} {
		got := testClassifier.Classify(tc.text)
		if got.Level != tc.level || got.Intake != tc.intake || !slices.Equal(got.Exploitation, append([]string{}, tc.forms...)) || got.Scope != tc.scope {
			t.Errorf("%q: %s %s %v %s, want %s %s %v %s (%v)", tc.text, got.Level, got.Intake, got.Exploitation, got.Scope,
				tc.level, tc.intake, tc.forms, tc.scope, got.Reasons)
		}
	}
}

func TestClassifyIsNormalized(t *testing.T) {
	for _, text := range []string{"", "   ", "\xff\xfe", "e\u0308", strings.Repeat("ndihme ", 2000)} {
		got := testClassifier.Classify(text)
		if got.Exploitation == nil || got.Reasons == nil || got.Scope == "" || got.Intake == "" || !got.Level.Valid() {
			t.Errorf("%q: not normalized: %+v", text, got)
		}
	}
}

func TestReasonsAreShort(t *testing.T) {
	got := testClassifier.Classify("Më mbajnë të mbyllur në një shtëpi në Durrës dhe më detyrojnë të dal me klientë, " + strings.Repeat("shumë ", 100))
	if len(got.Reasons) == 0 {
		t.Fatal("no reasons")
	}
	for _, r := range got.Reasons {
		if len([]rune(r)) > 100 {
			t.Errorf("reason too long: %q", r)
		}
	}
}

func TestEmbeddedRules(t *testing.T) {
	c := MustNew()
	if c.Version() == "" {
		t.Error("rules have no version")
	}
}

func TestLoadErrors(t *testing.T) {
	good := map[string]string{}
	for _, f := range []string{signalsFile, placesFile, decisionsFile} {
		b, err := embedded.ReadFile("rules/" + f)
		if err != nil {
			t.Fatal(err)
		}
		good[f] = string(b)
	}
	build := func(change func(m map[string]string)) fstest.MapFS {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		change(m)
		fsys := fstest.MapFS{}
		for k, v := range m {
			fsys[k] = &fstest.MapFile{Data: []byte(v)}
		}
		return fsys
	}
	if _, err := Load(build(func(map[string]string) {})); err != nil {
		t.Fatalf("the embedded rules as a custom set: %v", err)
	}
	for name, change := range map[string]func(m map[string]string){
		"missing file": func(m map[string]string) { delete(m, placesFile) },
		"version mismatch": func(m map[string]string) {
			m[placesFile] = strings.Replace(m[placesFile], "version:", "version: \"0\"\nx_version:", 1)
		},
		"unknown field": func(m map[string]string) { m[decisionsFile] += "\nbogus: 1\n" },
		"unknown signal": func(m map[string]string) {
			m[decisionsFile] = strings.Replace(m[decisionsFile], "child: child", "child: nosuch", 1)
		},
		"bad municipality": func(m map[string]string) {
			m[placesFile] = strings.Replace(m[placesFile], "name: Berat\n", "name: Beratt\n", 1)
		},
		"bad phrase": func(m map[string]string) {
			m[signalsFile] = strings.Replace(m[signalsFile], "phrases: [tani,", "phrases: [\"... tani\",", 1)
		},
		"bad level": func(m map[string]string) {
			m[decisionsFile] = strings.Replace(m[decisionsFile], "level: P2", "level: P9", 1)
		},
		"bad form": func(m map[string]string) {
			m[decisionsFile] = strings.Replace(m[decisionsFile], "form: begging", "form: theft", 1)
		},
	} {
		if _, err := Load(build(change)); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}

// TestFieldFindings holds the tips that came out too low in review (fix
// task D): a child with any sign of risk is P1; "sos", fear, "taken",
// "missing", being moved abroad tonight or a bare plea for help is never P4;
// P4 is only for questions, greetings, tests and spam.
func TestFieldFindings(t *testing.T) {
	const any = "" // intake or county not checked
	for _, tc := range []struct {
		text   string
		level  hotline.Level
		intake string
		child  bool
		county string
	}{
		{"my sister is 15 and a man is taking her to italy tonight from durres port", hotline.LevelP1, hotline.IntakeThirdParty, true, "AL-02"},
		{"a man is taking a 15 year old girl to italy tonight", hotline.LevelP1, hotline.IntakeThirdParty, true, any},
		{"vajza 13 vjec eshte ne makine me nje burre te huaj tani ne rinas", hotline.LevelP1, hotline.IntakeThirdParty, true, "AL-02"},
		{"u be 3 dite qe nuk e kemi gjetur vajzen 14 vjec", hotline.LevelP1, hotline.IntakeThirdParty, true, any},
		{"a police officer in fier is the one who sells the girls, one is 14", hotline.LevelP1, hotline.IntakeOfficialComplicity, true, "AL-04"},
		{"sos sos jam n makin me 2 burra n rrug per kukes", hotline.LevelP1, any, false, "AL-07"},
		{"Pls call me asap im scared he is coming back", hotline.LevelP1, any, false, any},
		{"kam frike se vjen prap", hotline.LevelP1, any, false, any},
		{"my daughter was taken", hotline.LevelP1, hotline.IntakeThirdParty, false, any},
		{"me ndihmoni ju lutem", hotline.LevelP2, any, false, any},
		{"I escaped from the people who trafficked me and they are looking for me now, Tirana", hotline.LevelP1, hotline.IntakeSelfIdentification, false, "AL-11"},
		{"polici X eshte pjese e grupit qe shet vajza", hotline.LevelP2, hotline.IntakeOfficialComplicity, false, any},
		{"nje oficer policie me mban te mbyllur", hotline.LevelP1, hotline.IntakeOfficialComplicity, false, any},
		{"There is trafficking of women at a hotel in Sarande", hotline.LevelP2, hotline.IntakeThirdParty, false, "AL-12"},
		{"young girls are forced to dance in a bar in Vlore", hotline.LevelP1, hotline.IntakeThirdParty, true, "AL-12"},
		{"vajza te vogla lypin ne rruge ne Vlore", hotline.LevelP1, hotline.IntakeThirdParty, true, "AL-12"},
		{"ka humbur djali yne 12 vjec", hotline.LevelP1, hotline.IntakeThirdParty, true, any}, // held-out round 3 miss, fixed after it
		{"kam humbur punen, a keni pune?", hotline.LevelP4, any, false, any},
		{"Pershendetje", hotline.LevelP4, hotline.IntakeOther, false, any},
		{"EN", hotline.LevelP4, hotline.IntakeOther, false, any},
		{"2", hotline.LevelP4, hotline.IntakeOther, false, any},
	} {
		got := testClassifier.Classify(tc.text)
		if got.Level != tc.level || (tc.intake != any && got.Intake != tc.intake) || got.Child != tc.child ||
			(tc.county != any && got.County != tc.county) {
			t.Errorf("%q: %s %s child=%v county=%q, want %s %s child=%v county=%q (%v)", tc.text, got.Level, got.Intake, got.Child, got.County,
				tc.level, tc.intake, tc.child, tc.county, got.Reasons)
		}
	}
}
