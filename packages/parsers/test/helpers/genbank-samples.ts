/**
 * Hand-written GenBank entries shaped like NCBI's (column layout, continuation lines, qualifier quoting); the
 * organisms, accessions and sequences are made up.
 */

/** A small circular plasmid: two references, DBLINK, a CDS whose product spans lines, join/complement locations. */
export const PLASMID = `LOCUS       NZ_CP990001              120 bp    DNA     circular BCT 26-JUL-2016
DEFINITION  Escherichia coli strain OML-7 plasmid pOML1, complete sequence,
            with a second definition line.
ACCESSION   NZ_CP990001 NZ_CP990002
VERSION     NZ_CP990001.2
DBLINK      BioProject: PRJNA990001
            BioSample: SAMN09900001
            Sequence Read Archive: SRR9900001, SRR9900002
KEYWORDS    RefSeq; plasmid; complete genome.
SOURCE      Escherichia coli
  ORGANISM  Escherichia coli
            Bacteria; Pseudomonadota; Gammaproteobacteria; Enterobacterales;
            Enterobacteriaceae; Escherichia.
REFERENCE   1  (bases 1 to 120)
  AUTHORS   Doe,J., Roe,R. and Poe,P.
  TITLE     A made-up plasmid for testing a GenBank reader, with a title that
            continues on a second line
  JOURNAL   J. Test. Seq. 12 (3), 45-67 (2016)
   PUBMED   99000001
REFERENCE   2  (bases 1 to 120)
  CONSRTM   Test Sequencing Consortium
  TITLE     Direct Submission
  JOURNAL   Submitted (01-JUN-2016) Test Institute, 1 Example Road, Testville
            00000, Nowhere
COMMENT     REFSEQ INFORMATION: The reference sequence is identical to
            CP990001.
            Annotation Pipeline :: Made-up.
FEATURES             Location/Qualifiers
     source          1..120
                     /organism="Escherichia coli"
                     /mol_type="genomic DNA"
                     /strain="OML-7"
                     /db_xref="taxon:562"
                     /plasmid="pOML1"
     gene            12..71
                     /gene="omlA"
                     /locus_tag="OML_RS00005"
     CDS             12..71
                     /gene="omlA"
                     /locus_tag="OML_RS00005"
                     /codon_start=1
                     /transl_table=11
                     /product="plasmid replication protein with a name long
                     enough to wrap"
                     /note="a note with / and = inside quotes: a/b=c, and
                     /product=""not a product"" on a continuation line, and ""doubled""
                     quotes"
                     /protein_id="WP_990000001.1"
                     /translation="MSTNPKPQRKTKRNTNRRPQDVKFPGGGQIVGGVYLLPRRGPRLGVRA
                     TRKTSERSQPRGRRQPIPKARRPEGRTWAQPGYPWPLYGNEGCGWAGWLLSPRGSRPS"
     gene            complement(75..110)
                     /locus_tag="OML_RS00010"
     CDS             complement(join(75..90,
                     96..110))
                     /locus_tag="OML_RS00010"
                     /product="hypothetical protein"
     misc_feature    111..120
                     /note="unquoted continuation follows"
ORIGIN      
        1 gatcctccat atacaacggt atctccacct caggtttaga tctcaacaac ggaaccattg
       61 ccgacatgag acagttaggt atcgtcgaga gttacaagct aaaacgagca gtagtcagct
//
`;

/** A linear mRNA entry with nothing optional: no KEYWORDS, DBLINK, taxon db_xref, references or CDS. */
export const BARE_MRNA = `LOCUS       AB990002                 120 bp    mRNA    linear   PLN 03-FEB-1999
DEFINITION  Madeup plant mRNA for a test protein.
ACCESSION   AB990002
VERSION     AB990002.1
SOURCE      Testia plantae
  ORGANISM  Testia plantae
            Eukaryota; Viridiplantae.
FEATURES             Location/Qualifiers
     source          1..120
                     /organism="Testia plantae"
                     /mol_type="mRNA"
ORIGIN
        1 ATGGCTTCTA AGGAGCTTGC AATTGCTGCT GCTCTTCTTC TTGCTGTTGT TCTTGCAGCA
       61 ACCGTTTCTG CTCAAGCTGC TCCAGCACCA GCTCCAGCTC CAGCCTCTGC TGCAGCATAA
//
`;

/** A single-stranded RNA virus segment with `KEYWORDS    .` and an old LOCUS line without topology. */
export const SS_RNA = `LOCUS       XX990003      60 bp ss-RNA             VRL 31-DEC-2001
DEFINITION  Test virus segment 1.
ACCESSION   XX990003
VERSION     XX990003.3
KEYWORDS    .
SOURCE      Test virus
  ORGANISM  Test virus
            Viruses; Riboviria.
FEATURES             Location/Qualifiers
     source          1..60
                     /organism="Test virus"
                     /db_xref="taxon:99999"
ORIGIN
        1 acgtacgtac gtacgtacgt acgtacgtac gtacgtacgt acgtacgtac gtacgtacgt
//
`;

/** The header block a GenBank release division file (`gbbct1.seq`) starts with. */
export const RELEASE_HEADER = `GBBCT1.SEQ          Genetic Sequence Data Bank
                          October 15 2026

                NCBI-GenBank Flat File Release 999.0

                     Bacterial Sequences (Part 1)

   3 loci,    1260 bases, from    3 reported sequences


`;
