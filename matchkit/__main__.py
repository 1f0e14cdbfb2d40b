from matchkit.app import main

main()
